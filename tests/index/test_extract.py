import json

import pytest

from index.extract import ExtractError, article_from_html, article_from_text, articles_from_bytes


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
