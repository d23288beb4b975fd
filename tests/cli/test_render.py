"""Results on a terminal: the Markdown of prompts/ rendered by rich (cli/render.py), the Markdown itself when piped or
with --format md; internal notes to the log file at a terminal; a bar for work without a count."""

from __future__ import annotations

import io
import logging
import re
import time
import types

import pytest

from cli.logs import LOG_FILE, configure_logging
from cli.output import rendered
from cli.progress import working
from cli.render import bare_urls, end_quotes, keep_lines, links_once, print_markdown

ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")
URL = "https://en.wikinews.org/wiki/Foo_(bar)"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def shown(markdown: str) -> tuple[str, str]:
    """(what the terminal shows, the raw bytes with escapes) of ``markdown`` rendered."""
    out = Tty()
    print_markdown(markdown, out)
    return ANSI.sub("", out.getvalue()), out.getvalue()


def test_a_link_is_its_title_and_its_url_shows_once():
    md = f"— Wikinews, [Foo story]({URL}), ¶1\n\n— Wikinews, [Foo story]({URL}), ¶2\n\nSources: [Wikinews]({URL})\n"
    assert links_once(md).count(f"(<{URL}>)") == 1
    text, raw = shown(md)
    assert text.count(URL) == 1 and "[Foo story]" not in text and "](" not in text
    assert "Foo story" in text and re.search(r"Sources?: Wikinews", text)
    assert "\x1b]8;id=" in raw and URL in raw  # a hyperlink where the terminal supports them


def test_an_answer_renders_bold_italics_and_numbered_quotes():
    md = (
        "**tsunami**\n\n1. > The toll rose.\n\n   — *Toll rises*, Wikinews, 2004-12-29, ¶1 · verbatim ✓\n"
        f"   {URL}\n\n2. > Aid arrived.\n\n   — *Aid*, Wikinews, 2005-01-03, ¶2 · verbatim ✓\n"
    )
    text, raw = shown(md)
    assert "**" not in text and "*Toll" not in text
    assert "\x1b[1mtsunami" in raw and "\x1b[3mToll rises" in raw
    lines = [line.rstrip() for line in text.splitlines()]
    assert " 1 ▌ The toll rose." in lines and " 2 ▌ Aid arrived." in lines
    assert lines[lines.index(" 2 ▌ Aid arrived.") - 1] == ""  # a blank line between quotes
    assert any(line.strip() == URL for line in lines)  # the source's URL on its own line, whole
    assert all(line == line.rstrip() for line in ANSI.sub("", raw).splitlines())  # no padding


def test_an_alert_keeps_its_source_out_of_the_quote():
    md = "🔔 Alert for tracked question #1: “toll”\n   > The toll rose.\n   — *Toll rises*, Wikinews, ¶1\n"
    assert end_quotes(md).splitlines()[2] == ""
    text, _ = shown(md)
    source = next(line for line in text.splitlines() if "Toll rises" in line)
    assert source.startswith("— ") and "▌" not in source


def test_template_lines_stay_lines_and_urls_become_links():
    assert keep_lines("a\nb\n\nc") == "a  \nb\n\nc"
    assert bare_urls(f"x · {URL}") == f"x · <{URL}>"
    assert bare_urls(f"[t]({URL})") == f"[t]({URL})"  # a link's destination is left alone
    text, _ = shown("2005-01-03 · Wikinews — “Aid arrived.”\n   Jan Egeland · *Aid*, ¶1\n")
    assert [line.strip() for line in text.splitlines() if line.strip()] == [
        "2005-01-03 · Wikinews — “Aid arrived.”",
        "Jan Egeland · Aid, ¶1",
    ]


@pytest.mark.parametrize(
    ("fmt", "tty", "expected"),
    [("auto", True, True), ("auto", False, False), ("md", True, False), ("rich", False, True)],
)
def test_format_chooses_rendering(monkeypatch, fmt, tty, expected):
    monkeypatch.setattr("sys.stdout", Tty() if tty else io.StringIO())
    assert rendered(types.SimpleNamespace(format=fmt)) is expected


def test_piped_answers_keep_their_markdown_and_format_rich_renders(run_cli, capsys):
    assert run_cli("ask", "tsunami", "-k", "1") == 0
    assert capsys.readouterr().out.startswith("**tsunami**")
    assert run_cli("ask", "tsunami", "-k", "1", "--format", "md") == 0
    assert capsys.readouterr().out.startswith("**tsunami**")
    assert run_cli("ask", "tsunami", "-k", "1", "--format", "rich") == 0
    out = capsys.readouterr().out
    assert out.startswith("\x1b[1mtsunami\x1b[0m") and "**" not in out
    assert run_cli("briefing", "--date", "2004-12-28", "--format", "rich") == 0
    text = ANSI.sub("", capsys.readouterr().out)
    assert "](" not in text and re.search(r"Sources?: Wikinews", text)
    urls = re.findall(r"https://\S+?(?=\)|\s|$)", text)
    assert urls and len(urls) == len(set(urls))  # each article's URL once
    assert run_cli("ask", "tsunami", "-k", "1", "--json") == 0
    assert capsys.readouterr().out.startswith("{")


@pytest.fixture
def clean_logging():
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "newsdesk_cli", False)]:
        root.removeHandler(handler)
        handler.close()
    logging.captureWarnings(False)
    root.setLevel(logging.WARNING)


def test_internal_notes_go_to_the_log_at_a_terminal(monkeypatch, tmp_path, clean_logging):
    screen = Tty()
    monkeypatch.setattr("sys.stderr", screen)
    assert configure_logging(verbose=False, data_dir=tmp_path) == tmp_path / LOG_FILE
    note = "the vector cache x is from another model or reindex: rebuilding it"
    logging.getLogger("index.vectors.faiss").warning(note)
    logging.getLogger("index.vectors.faiss").info("vector cache rebuilt from the store: 162 vectors")
    logging.getLogger("index.service").error("the store cannot be written")
    assert screen.getvalue().splitlines() == ["newsdesk: the store cannot be written"]
    log = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    assert note in log and "162 vectors" in log and "the store cannot be written" in log


def test_a_pipe_keeps_warnings_on_stderr(monkeypatch, tmp_path, clean_logging):
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    assert configure_logging(verbose=False, data_dir=tmp_path) is None
    logging.getLogger("index.vectors.faiss").warning("rebuilding it")
    assert pipe.getvalue() == "newsdesk: rebuilding it\n" and not (tmp_path / LOG_FILE).exists()


def test_work_without_a_count_shows_a_bar_only_when_it_takes_a_while():
    slow = Tty()
    with working("Preparing the search index: 162 paragraphs", slow, delay=0):
        time.sleep(0.5)
    assert "Preparing the search index: 162 paragraphs" in slow.getvalue()
    quick = Tty()
    with working("Preparing the search index", quick, delay=60):
        pass
    assert "Preparing" not in quick.getvalue()
    piped = io.StringIO()
    with working("Preparing the search index", piped, delay=0):
        time.sleep(0.2)
    assert piped.getvalue() == ""
