import unicodedata

from index.ingest.segment import (
    derive_title,
    is_caption,
    passages,
    sentence_spans,
    split_long,
    split_paragraphs,
)


def test_paragraphs_split_on_blank_lines_and_join_wrapped_lines():
    text = "First line\nwrapped here.\n\n\n  Second paragraph.  \n \nThird."
    assert split_paragraphs(text) == ["First line wrapped here.", "Second paragraph.", "Third."]


def test_nfc_and_control_characters():
    decomposed = "Cafe\u0301 opens\x07 today\u200b."
    (para,) = split_paragraphs(decomposed)
    assert para == "Café opens today."
    assert unicodedata.is_normalized("NFC", para)


def test_sentence_spans_cover_news_abbreviations():
    para = 'U.S. President Joe Biden spoke on Jan. 21, 2022, at 5 p.m. on Friday. "We will act," he said. It cost $3.5 million.'
    spans = sentence_spans(para)
    sentences = [para[s:e] for s, e in spans]
    assert sentences == [
        "U.S. President Joe Biden spoke on Jan. 21, 2022, at 5 p.m. on Friday.",
        '"We will act," he said.',
        "It cost $3.5 million.",
    ]


def test_long_paragraph_split_at_sentence_boundaries():
    sentence = "The committee met again on Tuesday to discuss the budget and the plan. "
    para = (sentence * 40).strip()
    pieces = split_long(para, limit=300)
    assert len(pieces) > 1
    assert all(len(p) <= 300 for p in pieces)
    assert all(p.endswith("plan.") for p in pieces)
    assert " ".join(pieces) == para


def test_one_line_and_caption_paragraphs_are_kept():
    text = "Tokyo\n\nKishida speaks in Tokyo. (Photo courtesy of Cabinet Public Relations Office)(Kyodo)\n\nBody."
    paras = passages(text)
    assert paras[0] == "Tokyo"
    assert is_caption(paras[1]) and not is_caption(paras[2])


def test_derived_title_is_first_sentence_shortened():
    paras = [
        "(Photo by AP) caption",
        "The United States has urged Japan to consider imposing economic sanctions "
        "on Moscow if Russian troops invade Ukraine, diplomatic sources said Saturday. More.",
    ]
    title = derive_title(paras, limit=60)
    assert title.startswith("The United States has urged Japan") and title.endswith("…")
    assert len(title) <= 61
