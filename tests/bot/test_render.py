"""Rendering within Discord's limits: long answers paginate and a quote is never cut silently."""

from __future__ import annotations

from bot import render
from index.models import Answer, Quote, SourceRef
from tests.discord_emulator import validate_message


def quote(text: str, n: int = 1) -> Quote:
    return Quote(
        text=text,
        article_id=f"a{n}",
        title=f"Title {n} [x]",
        source="Outlet",
        date="2024-01-02",
        url="https://example.org/a_(1)",
        paragraph=n,
        paragraph_id=n,
        start=0,
        end=len(text),
        score=1.0,
        also_in=[SourceRef("b", "Copycat", "T", "https://example.org/b", None)],
    )


def test_long_answer_paginates_and_keeps_every_word() -> None:
    words = [f"w{i}" for i in range(1800)]
    long_text = " ".join(words) + "."  # ~ 10,000 characters in one quote
    answer = Answer("q?", [quote(long_text, 1)] + [quote("Short one @everyone.", i) for i in range(2, 12)])
    pages = render.render_answer(answer)
    assert len(pages) >= 2
    shown = ""
    for page in pages:
        assert validate_message({"embeds": [e.to_dict() for e in page]}) is None
        shown += "\n".join(e.description or "" for e in page) + "\n"
    for w in words:
        assert f"{w} " in shown or f"{w}." in shown or f"{w}\n" in shown
    assert "quote part 1/" in shown and "continues" in shown
    assert "*also in:* [Copycat](https://example.org/b)" in shown
    assert "(https://example.org/a_%281%29)" in shown


def test_progress_line() -> None:
    assert (
        render.progress_line("Embedding", 12400, 37221)
        == "Embedding 12,400 / 37,221 paragraphs ▓▓▓░░░░░░░ 33%"
    )
