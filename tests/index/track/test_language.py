"""A tracked question is read in its own language, as ``ask`` reads it: a French question's words are not cut by
English stemming, so they meet a new French article's words, which the store keeps as written. The article below
was WRITTEN FOR THIS TEST (an invented town; not real news). Real model, SQLite and FTS5."""

from __future__ import annotations

from index import track
from index.language import question_language
from index.text import tokenize

from .conftest import DAY1, article

QUESTION_FR = "Combien d'habitants fréquentent les installations sportives ?"
SPORTS = article(
    "Le Courrier de Valmont",
    "installations",
    "Valmont ouvre ses nouvelles installations sportives",
    "Plus de quatre mille habitants utilisent déjà les nouvelles installations sportives municipales de Valmont, "
    "selon les chiffres publiés vendredi par la mairie.",
    "Le complexe comprend une piscine couverte, deux gymnases et une piste d'athlétisme éclairée.",
    "Les équipements ont coûté onze millions d'euros, financés en partie par la région.",
)


def test_a_french_question_alerts_on_the_french_passage_that_answers_it(desk) -> None:
    assert question_language(QUESTION_FR) == "fr"
    # English stemming would cut its words ("installations" -> "instal"), which the French article does not hold.
    assert tokenize([QUESTION_FR])[0] != tokenize([QUESTION_FR], "fr")[0]
    track.add(desk, QUESTION_FR, now=DAY1)
    desk.ingest_articles([SPORTS])
    (alert,) = track.check(desk, now=DAY1)
    assert alert.quote.source == "Le Courrier de Valmont" and alert.quote.language == "fr"
    assert alert.quote.text.startswith("Plus de quatre mille habitants")
