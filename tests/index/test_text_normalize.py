"""Invisible characters in a question do not change the answer (issue 26, item 4), and the quote shown stays the
stored text."""

from __future__ import annotations

import json

import pytest

from index.config import CoreSettings
from index.models import Filters
from index.service import Newsdesk
from index.text_normalize import BIDI_CONTROLS, ZERO_WIDTH, normalize_text
from index.track import tracking
from tests.conftest import SEED_ARTICLE, SEED_QUESTIONS, WIKINEWS


def test_normalize_removes_invisible_characters_and_folds_compatibility_forms() -> None:
    assert normalize_text("Jap\u200ban\u200d and\u2060 Rus\ufeffsia") == "Japan and Russia"
    assert normalize_text("\u202eWhat did \u2066Japan\u2069 say?\u200f") == "What did Japan say?"
    assert (
        normalize_text("ＪＡＰＡＮ\u00a0ﬁnance\u3000 now") == "JAPAN finance now"
    )  # full-width, ligature, spaces
    assert (
        normalize_text("cafe\u200b\u0301") == "café"
    )  # the accent composes once the zero-width space is gone
    assert normalize_text("  \u200b \u202e ") == ""
    assert normalize_text("plain question") == "plain question"


def _seed_question() -> dict:
    first = SEED_QUESTIONS.read_text(encoding="utf-8").splitlines()[0]
    return json.loads(first)  # "What did Japan say it would do if Russia invades?" -> "would be compelled …"


# Each invisible character placed where a person pasting text would get it: inside words, and at the start.
VARIANTS = [pytest.param(ch, id=f"U+{ord(ch):04X}") for ch in ZERO_WIDTH + BIDI_CONTROLS]


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, embedder) -> Newsdesk:
    """The seed article and the Wikinews sample, ingested once for this module's questions."""
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not available at {SEED_ARTICLE} (evaluation data lives in ../shared/data)")
    desk = Newsdesk.open(CoreSettings(data_dir=tmp_path_factory.mktemp("seed") / "data"), embedder=embedder)
    desk.ingest_paths([SEED_ARTICLE, WIKINEWS])
    yield desk
    desk.close()


@pytest.mark.parametrize("char", VARIANTS)
def test_seed_question_with_an_invisible_character_gets_the_same_top_quote(seed_index, char: str) -> None:
    item = _seed_question()
    question = item["question"]
    plain = seed_index.ask(question, k=5)
    assert (
        plain.quotes and "would be compelled" in plain.quotes[0].text
    )  # the gold quote first, as a baseline
    words = question.split()
    inside = " ".join(w[: len(w) // 2] + char + w[len(w) // 2 :] for w in words)  # "Jap\u200ban"
    for variant in (char + question, inside, question.replace(" ", f" {char}")):
        answer = seed_index.ask(variant, k=5)
        assert [q.paragraph_id for q in answer.quotes[:1]] == [plain.quotes[0].paragraph_id], variant
        top = answer.quotes[0]
        assert (top.start, top.end, top.text) == (
            plain.quotes[0].start,
            plain.quotes[0].end,
            plain.quotes[0].text,
        )
        stored = seed_index.store.paragraphs([top.paragraph_id])[top.paragraph_id].text
        assert top.text == stored[top.start : top.end]  # the quote shown is the stored text, untouched


def test_timeline_quotes_and_tracked_questions_are_normalised_too(seed_index) -> None:
    question = "\u202eWhat did Jap\u200ban say it would do if Rus\u200bsia invades?"
    timeline = seed_index.timeline(question, filters=Filters())
    assert timeline.question == "What did Japan say it would do if Russia invades?"
    tracked = tracking.add(seed_index, "\u2067Russia\u200b sanctions\u2069 on Japan")
    assert tracked.question == "Russia sanctions on Japan"
    plain = seed_index.quotes_by("Kishida")
    hidden = seed_index.quotes_by("\u202eKish\u200bida", about="\u200bsanctions")
    assert hidden.about == "sanctions"
    expected = seed_index.quotes_by("Kishida", about="sanctions")
    assert [s.quote.text for s in hidden.statements] == [s.quote.text for s in expected.statements]
    assert hidden.speaker == plain.speaker == "Kishida" and hidden.speakers == plain.speakers
