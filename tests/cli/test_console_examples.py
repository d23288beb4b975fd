"""The terminal session in a pseudo-terminal runs every example its own `help` prints, in order, on the bundled
sample; and Ctrl-C in a command under `make run` cancels that command only, `make run` ending with status 0.

The feed example's URL (example.org) is the one thing replaced: the machine has no network, so the feed is served
by the loopback news site (tests/index/sources/loopback_news.py) and the session allows 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator

import pytest

from cli.console import NOT_IN_SESSION, session_verbs
from cli.main import build_parser
from index.messages import render
from tests.index.sources.loopback_news import Item, NewsSite

from .terminal import CTRL_C, ENTER, Terminal
from .test_console_tty import PROMPT

EXAMPLE = re.compile(r"^\s+e\.g\.\s\s(.+)$", re.MULTILINE)
# What each example shows when it works (a regex on the screen text). A new example in help.txt.j2 needs its line.
SHOWS = {
    "ask How many people died": r"verbatim ✓",
    "Who won the Ukrainian": r"Yushchenko",
    "more": r"verbatim ✓|Nothing more",
    "timeline ": r"Timeline: How many people died",
    "quotes --speaker Egeland": r"Jan Egeland",
    "track add ": r"Tracking #1",
    "track list": r"#1 “How many people died in the tsunami\?”",
    "track test 1": r"#1",
    "track remove 1": r"Stopped tracking #1",
    "briefing --date 2004-12-28": r"Briefing for Tuesday 28 December 2004(.|\n)*Sources?:(.|\n)*Wikinews",
    "ingest ~/articles/": r"added 1 ",
    "feeds add ": r"Added feed #1",
    "feeds list": r"#1 ",
    "poll --force": r"1 added",
    "sources": r"Wikinews",
    "stats": r"articles",
    "reindex": r"Re-embedded",
    "backup ": r"Backed up",
    "check": r"is intact",
    "help quotes": r"--speaker",
}
# What no example may show.
FAILED = ("Error:", "Unrecognized", "Unknown command", "Could not read", "Traceback", "No verb", "usage:")
# Verbs of the command line that are for developers (evaluation, the bot's set-up), not listed by the session's help.
DEVELOPER_VERBS = {"eval", "eval-briefing", "eval-track", "eval-feedback", "feedback", "sync"}
ARTICLE = """Japan weighs sanctions as Ukraine tensions rise

Japan is considering economic sanctions on Russia should its troops cross into Ukraine, a government spokesman \
said on Friday.

The spokesman said Tokyo would coordinate any measures with the Group of Seven partners.
"""


def examples() -> list[str]:
    return EXAMPLE.findall(render("help.txt.j2"))


def expected(example: str) -> str:
    for prefix, shows in SHOWS.items():
        if example.startswith(prefix):
            return shows
    raise AssertionError(f"help.txt.j2 has a new example {example!r}: say in SHOWS what it shows")


def test_help_lists_every_verb_of_the_command_line():
    """A verb added to the command line is a verb of the session; its help must say so with an example."""
    listed = {example.split()[0] for example in examples()}
    for verb in session_verbs(build_parser()):
        assert verb in listed or verb in DEVELOPER_VERBS, f"`help` has no example of {verb}"
    assert "run" in NOT_IN_SESSION


@pytest.fixture
def news_feed() -> Iterator[str]:
    """One RSS feed with one new article on 127.0.0.1, served from a thread of its own (the test blocks on a pty)."""
    site = NewsSite()
    item = Item(
        path="/world/relief-flights",
        title="Relief flights resume to Banda Aceh",
        outlet="Loopback Times",
        date="2005-01-12",
        paragraphs=[
            "Relief flights resumed to Banda Aceh on Wednesday after the airport's runway was repaired.",
            "Aid agencies said food and clean water were reaching the worst-hit districts again.",
        ],
    )
    site.pages[item.path] = item
    site.feed("/world.rss", "Loopback Times: World", [item])
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(site.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30)
    yield site.url("/world.rss")
    asyncio.run_coroutine_threadsafe(site.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)


def test_every_help_example_runs_in_the_terminal(data_dir, tmp_path, terminal_env, news_feed):
    home = tmp_path / "home"
    (home / "articles").mkdir(parents=True)
    (home / "articles" / "kyodo-sanctions.txt").write_text(ARTICLE, encoding="utf-8")
    env = {**terminal_env, "HOME": str(home), "NEWSDESK_ALLOW_HOSTS": "127.0.0.1"}
    term = Terminal(["--data-dir", str(data_dir), "run"], tmp_path, env)
    ran = []
    try:
        term.expect(r"Type `help` for the verbs\.")
        term.expect(PROMPT)
        for example in examples():
            line = example.replace("https://example.org/world.rss", news_feed)
            term.send(line + ENTER)
            shown = term.expect(expected(example))
            shown += term.expect(PROMPT)
            bad = [
                word
                for word in FAILED
                if word in shown and not (word == "usage:" and line.startswith("help"))
            ]
            assert not bad, f"{example!r} showed {bad}:\n{shown}"
            assert "**" not in shown and "](http" not in shown, f"{example!r} is not rendered:\n{shown}"
            ran.append(example)
        term.send("quit" + ENTER)
        term.expect(r"Bye\.")
        assert term.wait() == 0
    finally:
        term.close()
    assert len(ran) == len(examples()) >= 18


def test_ctrl_c_in_a_command_under_make_ends_make_run_with_status_0(data_dir, tmp_path, terminal_env):
    """make, on SIGINT, waits for its child and then ends itself by that signal, unless the session took the
    terminal's foreground for itself (cli.foreground)."""
    import sys

    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t@{sys.executable} -m cli --data-dir {data_dir} run\n", encoding="utf-8")
    term = Terminal([], tmp_path, terminal_env, command=["make", "-f", str(makefile), "run"])
    try:
        term.expect(r"Type `help` for the verbs\.")
        term.expect(PROMPT)
        term.send("reindex" + ENTER)
        term.expect(r"Re-embedding")
        term.send(CTRL_C)
        term.expect(r"Cancelled\.")
        term.expect(PROMPT)
        term.send("stats" + ENTER)
        term.expect(r"162 paragraphs, 162 vectors")
        term.expect(PROMPT)
        term.send("quit" + ENTER)
        term.expect(r"Bye\.")
        assert term.wait() == 0
        assert "Interrupt" not in term.text and "Error" not in term.text
    finally:
        term.close()
