"""A plain-text article's first line is its title, not also its paragraph 1, when it is a headline; a first line
that is the lead paragraph (the seed article's) stays the lead, and the title is derived from it as before."""

from __future__ import annotations

import pytest

from index.ingest.extract import article_from_text
from index.ingest.segment import is_headline, split_headline
from tests.conftest import SEED_ARTICLE

BODY = "Japan is considering economic sanctions on Russia, a spokesman said.\n\nTokyo would act with its partners."


@pytest.mark.parametrize(
    "line",
    [
        "Japan weighs sanctions as Ukraine tensions rise",
        "Will Japan join the sanctions?",
        "UN 'optimistic' on tsunami aid effort",
        "Tsunami toll passes 80,000 people as relief effort continues",
    ],
)
def test_headlines(line):
    assert is_headline(line)


@pytest.mark.parametrize(
    "line",
    [
        "The United States has urged Japan to consider imposing economic sanctions on Moscow.",
        "Japan said on Friday:",
        "By Jane Doe",
        "January 29, 2022",
        "Updated 10:30 a.m. GMT",
        "(Photo courtesy of Cabinet Public Relations Office)",
        "A " + "very " * 30 + "long line without a final period",
        "",
    ],
)
def test_not_headlines(line):
    assert not is_headline(line)


def test_a_headline_is_the_title_and_not_paragraph_one():
    art = article_from_text("Japan weighs sanctions as Ukraine tensions rise\n\n" + BODY, "k.txt")
    assert art.title == "Japan weighs sanctions as Ukraine tensions rise"
    assert not art.title_derived  # a real title: the lexical index reads it with every paragraph
    assert art.paragraphs[0].startswith("Japan is considering") and len(art.paragraphs) == 2
    assert art.inferred["title"] == art.title  # the ingest report says it was read from the text


def test_a_markdown_heading_is_the_title_even_without_a_blank_line():
    art = article_from_text("# Quake hits coast\nA strong quake hit the coast on Monday.", "q.md")
    assert art.title == "Quake hits coast" and art.paragraphs == ["A strong quake hit the coast on Monday."]


def test_a_first_line_that_repeats_the_front_matter_title_is_dropped():
    text = "---\ntitle: Quake hits coast\nsource: Daily Planet\n---\nQuake hits coast\n\nA strong quake hit."
    art = article_from_text(text, "q.md")
    assert art.title == "Quake hits coast" and art.paragraphs == ["A strong quake hit."]
    other = article_from_text(text.replace("title: Quake hits coast", "title: Something else"), "q.md")
    assert other.title == "Something else" and other.paragraphs[0] == "Quake hits coast"


def test_a_lead_paragraph_stays_the_lead():
    wrapped = (
        "The United States has urged Japan to consider\nimposing sanctions on Moscow, sources said.\n\nMore."
    )
    art = article_from_text(wrapped, "w.txt")  # a hard-wrapped lead: its first line has no period either
    assert art.title_derived and art.paragraphs[0].startswith("The United States has urged Japan")
    assert split_headline("One line only") == (None, "One line only")  # nothing is left without a paragraph
    dateline = article_from_text("TOKYO, Jan. 29 (Kyodo) --\n\nJapan weighs sanctions on Russia.", "d.txt")
    assert dateline.paragraphs[0].startswith("TOKYO") and dateline.source == "Kyodo"


def test_the_seed_article_keeps_its_lead_as_paragraph_one():
    if not SEED_ARTICLE.exists():
        pytest.skip("the seed article lives in ../shared/data")
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    art = article_from_text(text, SEED_ARTICLE.name)
    assert art.title_derived
    assert art.paragraphs[0] == text.split("\n\n")[0].strip()


def test_an_ingested_headline_is_not_quoted_as_a_paragraph(desk, tmp_path):
    path = tmp_path / "sanctions.txt"
    path.write_text("Japan weighs sanctions as Ukraine tensions rise\n\n" + BODY, encoding="utf-8")
    desk.ingest_paths([path])
    answer = desk.ask("Japan weighs sanctions as Ukraine tensions rise", k=3)
    assert answer.quotes and all(
        q.text != "Japan weighs sanctions as Ukraine tensions rise" for q in answer.quotes
    )
    assert answer.quotes[0].title == "Japan weighs sanctions as Ukraine tensions rise"
    assert answer.quotes[0].paragraph == 1 and answer.quotes[0].text.startswith("Japan is considering")
