import codecs
import json
import os
from datetime import date, datetime

import pytest

from index.ingest.extract import (
    ExtractError,
    article_from_html,
    article_from_text,
    articles_from_bytes,
    articles_from_file,
    expected_articles,
)
from tests.conftest import SEED_ARTICLE


def test_front_matter_sets_metadata():
    text = "---\ntitle: Talks resume\nsource: Kyodo\ndate: 2022-02-01\nurl: https://example.org/a\n---\nBody one.\n\nBody two."
    art = article_from_text(text, "a.md")
    assert (art.title, art.source, art.date, art.url) == (
        "Talks resume",
        "Kyodo",
        "2022-02-01",
        "https://example.org/a",
    )
    assert art.paragraphs == ["Body one.", "Body two."]


def test_plain_text_without_metadata_derives_title_and_never_invents_a_date():
    art = article_from_text("Japan weighs sanctions on Russia. Officials said so.\n\nMore text.", "seed.txt")
    assert art.title == "Japan weighs sanctions on Russia"
    assert art.title_derived and art.source == "unknown" and art.date is None


def test_jsonl_records_and_bad_lines_are_reported_per_line():
    data = (
        json.dumps({"id": "x1", "title": "T", "source": "S", "date": "2022-05-03", "text": "A.\n\nB."})
        + "\n{not json\n"
        + json.dumps({"title": "no text"})
        + "\n"
    ).encode()
    results = list(articles_from_bytes(data, "f.jsonl"))
    assert results[0].external_id == "x1" and results[0].paragraphs == ["A.", "B."]
    assert isinstance(results[1], ExtractError) and "line 2" in str(results[1])
    assert isinstance(results[2], ExtractError) and "text" in str(results[2])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "empty"),
        ("blob.txt", b"\x00\x01\x02binary" * 100, "binary"),
        ("bad.json", b'{"title": ', "not valid JSON"),
        ("x.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_bad_inputs_give_clear_errors(name, data, message):
    with pytest.raises(ExtractError, match=message):
        list(articles_from_bytes(data, name))


def test_huge_file_refused():
    with pytest.raises(ExtractError, match="over the 20 MB limit"):
        list(articles_from_bytes(b"a" * (50 * 1024 * 1024), "huge.txt"))


def test_legacy_encoding_is_decoded():
    text = "Le président français a déclaré que la réunion était terminée. " * 5
    (art,) = list(articles_from_bytes(text.encode("latin-1"), "fr.txt"))
    assert "président" in art.paragraphs[0]


def test_html_keeps_paragraphs_and_metadata():
    html = """<html><head><title>Quake hits coast</title><meta property="og:site_name" content="Daily Planet">
    <meta name="date" content="2005-01-03"></head><body><nav>Home | World</nav><article><h1>Quake hits coast</h1>
    <p>A strong earthquake struck the coast on Monday, officials said, and residents fled to higher ground.</p>
    <p>"We felt the building shake for a full minute," said one resident, who asked not to be named.</p>
    <p>Rescue teams were sent to the worst-hit towns by the evening, according to the regional government.</p>
    </article><footer>Copyright</footer></body></html>"""
    art = article_from_html(html, "quake.html")
    assert art.title == "Quake hits coast"
    assert len(art.paragraphs) == 3 and art.paragraphs[1].startswith('"We felt')
    assert art.date == "2005-01-03"


def test_malformed_html_without_text_is_an_error():
    with pytest.raises(ExtractError, match="no article text"):
        article_from_html("<html><body><div></div></body></html>", "empty.html")


# -- encodings ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(encoding):
    text = "Le président a déclaré que la réunion était terminée.\n\nTOKYO, Jan. 29 (Kyodo) — 東京"
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }.get(encoding, b"")
    (art,) = list(articles_from_bytes(bom + text.encode(encoding), "fr.txt"))
    assert art.paragraphs == text.split("\n\n")


def test_a_bom_with_nothing_after_it_is_empty():
    with pytest.raises(ExtractError, match="empty"):
        list(articles_from_bytes(codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"), "e.txt"))


# -- metadata read from the text ------------------------------------------------------------------------------------
def test_a_dateline_gives_the_outlet_and_with_the_file_date_the_date():
    text = "TOKYO, Jan. 29 (Kyodo) -- Japan weighs sanctions on Russia. Officials said so.\n\nMore text."
    art = article_from_text(text, "k.txt", file_date=date(2022, 2, 3))
    assert (art.source, art.date) == ("Kyodo", "2022-01-29")
    assert art.inferred["source"] == art.inferred["date"] == "TOKYO, Jan. 29 (Kyodo)"
    assert art.inferred["file_date"] == "2022-02-03"
    assert art.title == "Japan weighs sanctions on Russia"  # the first sentence, without the dateline


def test_a_dateline_day_after_the_file_date_belongs_to_the_year_before():
    art = article_from_text("LONDON, Dec. 30 (AP) — A story.", "a.txt", file_date=date(2005, 1, 4))
    assert (art.source, art.date) == ("AP", "2004-12-30")


def test_a_dateline_with_its_own_year_needs_no_file_date():
    art = article_from_text("BEIJING, March 3, 2005 (Xinhua) -- Officials met.", "x.txt")
    assert (art.source, art.date) == ("Xinhua", "2005-03-03") and "file_date" not in art.inferred


def test_without_a_file_date_a_yearless_dateline_gives_no_date():
    art = article_from_text("TOKYO, Jan. 29 (Kyodo) -- Japan weighs sanctions.", "k.txt")
    assert art.source == "Kyodo" and art.date is None and "date" not in art.inferred


@pytest.mark.parametrize(
    ("text", "source", "evidence"),
    [
        ("WASHINGTON (Reuters) - The U.S. urged Japan to act.", "Reuters", "WASHINGTON (Reuters)"),
        ("A quake hit the coast.\n\nResidents fled to higher ground. — AP", "AP", "— AP"),
        (
            "Officials met.\n\nKishida speaks. (Photo courtesy of Cabinet Office)(Kyodo)\n\nMore.",
            "Kyodo",
            "(Kyodo)",
        ),
    ],
)
def test_a_credit_gives_the_outlet(text, source, evidence):
    art = article_from_text(text, "c.txt")
    assert art.source == source and art.inferred["source"] == evidence


@pytest.mark.parametrize(
    "text",
    [
        "NATO (North Atlantic Treaty Organization) said it would meet.",
        "SEOUL, Korea -- the talks went on.",
        "Prime Minister Kishida (R) spoke with Biden.",
        "US officials said the plan (first reported on Monday) would go ahead.",
    ],
)
def test_no_outlet_is_read_from_ordinary_text(text):
    art = article_from_text(text, "n.txt", file_date=date(2022, 1, 1))
    assert art.source == "unknown" and art.date is None and "source" not in art.inferred


def test_front_matter_wins_over_the_dateline():
    text = (
        "---\nsource: Japan Times\ndate: 2022-01-30\n---\nTOKYO, Jan. 29 (Kyodo) -- Japan weighs sanctions."
    )
    art = article_from_text(text, "k.md", file_date=date(2022, 2, 3))
    assert (art.source, art.date) == ("Japan Times", "2022-01-30")
    assert set(art.inferred) == {"title"}


def test_the_seed_article_gets_its_outlet_from_the_photo_credit():
    if not SEED_ARTICLE.exists():
        pytest.skip("the seed article lives in ../shared/data")
    (art,) = list(articles_from_file(SEED_ARTICLE))
    assert art.source == "Kyodo" and art.inferred["source"] == "(Kyodo)"
    assert art.date is None  # no dateline: nothing to date it by


def test_a_file_on_disk_is_dated_by_its_modification_time(tmp_path):
    path = tmp_path / "k.txt"
    path.write_text("TOKYO, Jan. 29 (Kyodo) -- Japan weighs sanctions.", encoding="utf-8")
    stamp = datetime(2022, 2, 3, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    (art,) = list(articles_from_file(path))
    assert art.date == "2022-01-29" and art.origin == str(path)


def test_file_failures_are_yielded_not_raised(tmp_path):
    (missing,) = list(articles_from_file(tmp_path / "nope.txt"))
    assert isinstance(missing, ExtractError) and "does not exist" in str(missing)
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    (pdf,) = list(articles_from_file(tmp_path / "x.pdf"))
    assert isinstance(pdf, ExtractError) and "unsupported file type" in str(pdf)


def test_expected_articles_counts_records(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "a"}\n\n{"text": "b"}\n{broken\n', encoding="utf-8")
    (tmp_path / "b.json").write_text('[{"text": "a"}, {"text": "b"}]', encoding="utf-8")
    (tmp_path / "c.txt").write_text("text", encoding="utf-8")
    assert [expected_articles(tmp_path / n) for n in ("a.jsonl", "b.json", "c.txt")] == [3, 2, 1]
