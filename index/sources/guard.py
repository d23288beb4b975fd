"""The SSRF guard: which addresses a fetch may connect to.

An admin command that fetches a URL is a classic server-side request forgery channel: a page (or a redirect)
pointing at ``http://10.0.0.1/`` or ``http://169.254.169.254/`` would make the bot read the private network. So
only ``http`` and ``https`` URLs are fetched (the rule of ``index.validate.check_url_scheme``), and every address a
host resolves to must be global (not private, loopback, link-local, multicast, reserved, unspecified, shared, nor
an IPv4-mapped, 6to4 or Teredo wrapping of those) unless ``NEWSDESK_ALLOW_HOSTS`` lists the host or a CIDR range
holding the address. ``GuardedResolver`` vets what DNS answers inside the aiohttp connector, so the connector
connects to exactly the addresses that were vetted (no DNS rebinding); IP literals, which aiohttp never resolves,
are vetted by ``check_url`` before the request is made.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from index.messages import say
from index.validate import check_url_scheme

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """A URL that could not be fetched; ``str(exc)`` is one sentence for the admin.

    Deliberately not an ``OSError``: aiohttp would wrap an ``OSError`` raised by the resolver into a generic
    connection error and the reason (a refused private address) would be lost.
    """


class Allowlist:
    """Host names and CIDR ranges an admin allowed even though they are not public (tests allow 127.0.0.1)."""

    def __init__(self, spec: str = ""):
        self.hosts: set[str] = set()
        self.networks: list[IPNetwork] = []
        for raw in spec.split(","):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.hosts.add(entry)

    def allows(self, host: str, address: IPAddress | None) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        if address is None:
            return False
        return any(address.version == net.version and address in net for net in self.networks)


def non_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched from ("private", "loopback", ...) or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return non_public_reason(mapped)
        if address.teredo is not None:
            return non_public_reason(address.teredo[1])
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def check_address(host: str, address: str, allow: Allowlist) -> None:
    """Raise FetchError unless ``address`` (what ``host`` resolved to) may be connected to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    reason = non_public_reason(ip)
    if reason and not allow.allows(host, ip):
        shown = host if host == address else f"{host} ({address})"
        raise FetchError(say("fetch_refused_address", shown=shown, reason=reason))


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url(url: str, allow: Allowlist) -> tuple[str, str]:
    """Scheme and host of ``url`` after the checks that need no DNS; IP literals are vetted here."""
    try:
        check_url_scheme(url)  # the one rule for schemes, shared with the bot and the CLI
    except ValueError as exc:
        raise FetchError(str(exc)) from exc
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise FetchError(say("fetch_bad_url", url=url, error=str(exc))) from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError(say("fetch_no_host", url=url))
    if parts.username or parts.password:
        raise FetchError(say("fetch_credentials", url=url))
    literal = _ip_literal(host)
    if literal is not None:
        check_address(host, str(literal), allow)
    return parts.scheme.lower(), host


class GuardedResolver(ThreadedResolver):
    """Resolves like aiohttp does, then refuses the whole host if any address is not public.

    Refusing when *any* address is private (rather than dropping those addresses) keeps a host that mixes
    public and private records from being used to reach the private ones on a retry.
    """

    def __init__(self, allow: Allowlist):
        super().__init__()
        self.allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            results = await super().resolve(host, port, family)
        except OSError as exc:
            raise FetchError(say("fetch_unresolved", host=host, error=exc.strerror or str(exc))) from exc
        for result in results:
            check_address(host, result["host"], self.allow)
        return results
