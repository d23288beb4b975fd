"""The SSRF guard: which addresses may be fetched, decided before any connection (pure, plus local DNS)."""

from __future__ import annotations

import ipaddress

import pytest

from index.sources.guard import Allowlist, FetchError, GuardedResolver, check_url, non_public_reason
from index.validate import check_url_scheme


@pytest.mark.parametrize(
    "address,reason",
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_non_public_addresses(address, reason):
    assert non_public_reason(ipaddress.ip_address(address)) == reason


def test_allowlist_hosts_and_ranges():
    allow = Allowlist(" 127.0.0.1 , 10.1.0.0/16,intranet.example ,")
    assert allow.allows("x", ipaddress.ip_address("127.0.0.1"))
    assert allow.allows("x", ipaddress.ip_address("10.1.200.3"))
    assert not allow.allows("x", ipaddress.ip_address("10.2.0.1"))
    assert allow.allows("Intranet.Example.", ipaddress.ip_address("10.9.9.9"))
    assert not Allowlist("").allows("localhost", ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize(
    "url,fragment",
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.org/x", "only http and https"),
        ("gopher://example.org/", "only http and https"),
        ("http://10.0.0.1/admin", "private"),
        ("http://[::ffff:169.254.169.254]/latest/meta-data", "link-local"),
        ("http://user:pw@example.org/", "credentials"),
        ("http:///nohost", "no host"),
    ],
)
def test_urls_refused_without_connecting(url, fragment):
    with pytest.raises(FetchError, match=fragment):
        check_url(url, Allowlist(""))


async def test_dns_answers_are_checked_after_resolution():
    resolver = GuardedResolver(Allowlist(""))
    with pytest.raises(FetchError, match="localhost.*loopback"):
        await resolver.resolve("localhost", 80)
    allowed = await GuardedResolver(Allowlist("localhost")).resolve("localhost", 80)
    assert allowed and allowed[0]["host"] in ("127.0.0.1", "::1")


@pytest.mark.parametrize(
    "url", ["HTTP://example.org/feed", "https://Example.org/a?b=1", "  http://example.org/x"]
)
def test_http_and_https_in_any_case_pass_the_shared_scheme_rule(url):
    assert check_url(url.strip(), Allowlist(""))[0] in ("http", "https")


def test_the_scheme_rule_is_the_shared_one():
    """``check_url`` says what ``index.validate.check_url_scheme`` says, so the bot and the fetcher agree."""
    for url in ("javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd"):
        with pytest.raises(ValueError) as shared:
            check_url_scheme(url)
        with pytest.raises(FetchError) as fetched:
            check_url(url, Allowlist(""))
        assert str(fetched.value) == str(shared.value)
