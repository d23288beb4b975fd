"""Who said what, the extraction: speakers resolved within one article (full name, surname, role, pronoun)."""

from __future__ import annotations

import pytest

from index.ingest.segment import sentence_spans
from index.models import Paragraph
from index.speakers.mentions import extract, sentence_speakers, split_run
from tests.conftest import SEED_ARTICLE


@pytest.fixture
def need_seed_article() -> None:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not available at {SEED_ARTICLE}")


def _article(*texts: str) -> list[Paragraph]:
    return [Paragraph(i, "a", i, t, sentence_spans(t)) for i, t in enumerate(texts, 1)]


def _said(paragraphs: list[Paragraph]) -> list[tuple[str, str]]:
    by_id = {p.id: p for p in paragraphs}
    return [(m.speaker, by_id[m.paragraph_id].text[m.start : m.end]) for m in extract(paragraphs)]


def test_full_name_surname_and_role_are_one_speaker():
    paras = _article(
        "Japanese Prime Minister Fumio Kishida pledged to take strong action in response to any attack.",
        "Kishida told parliament that Japan was watching with grave concern.",
        "The prime minister said Tokyo would act with the Group of Seven.",
        '"We will respond," he said on Friday.',
    )
    said = _said(paras)
    assert [s for s, _ in said] == ["Fumio Kishida"] * 4
    assert said[2][1] == "The prime minister said Tokyo would act with the Group of Seven."


def test_a_role_without_a_named_holder_is_nobody_in_particular():
    paras = _article("The prime minister said the talks would resume.", "Officials said nothing more.")
    assert extract(paras) == []


def test_roles_with_two_holders_are_not_guessed():
    paras = _article(
        "Prime Minister Fumio Kishida met Foreign Minister Yoshimasa Hayashi.",
        "The minister said the talks would resume.",
    )
    assert extract(paras) == []


def test_seed_article_speakers(need_seed_article):
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    paras = _article(*[p for p in text.split("\n\n") if p.strip()])
    said = _said(paras)
    kishida = [t for s, t in said if s == "Fumio Kishida"]
    assert len(kishida) == 2
    assert 'pledged to take "strong action in response to any attack"' in kishida[0]
    assert kishida[1].startswith("Kishida told parliament")
    assert [t for s, t in said if s == "Mikhail Galuzin"][0].startswith("In Tokyo, Russian Ambassador")
    # "a Japanese government source said" is nobody's name: not attributed to Kishida or to anyone
    assert not any("government source said" in t for _, t in said)


def test_speaker_phrases_in_a_sentence():
    assert sentence_speakers('"We are relying on it," said Michael Elmquist, head of the operation.') == [
        ("name", "Michael Elmquist")
    ]
    assert sentence_speakers("Jan Egeland, the UN's chief of emergency relief, said they were stingy.") == [
        ("name", "Jan Egeland")
    ]
    assert sentence_speakers("According to the World Food Programme, helicopters cannot land.") == [
        ("name", "World Food Programme")
    ]
    assert split_run(["Russian", "Ambassador", "to", "Japan", "Mikhail", "Galuzin"]) == (
        "ambassador",
        "Mikhail Galuzin",
    )
    assert split_run(["Japan"]) == ("", "Japan")
    assert split_run(["Japanese"]) == ("", "")
