"""The first quote's article-coverage gate reads the article by the rules the question's words were cut by (the
question's language): a French question whose words English stemming would cut ("installations" -> "instal") finds
them in a French article, and a French question typed without accents (taken as English) still finds its stems
there. The article below was WRITTEN FOR THIS TEST (an invented town; not real news). Real encoder (the default
model), real store, the bundled Wikinews sample beside it."""

from __future__ import annotations

import index.answer.compose as compose
from index.language import question_language
from index.models import ArticleIn
from index.text import tokenize

SPORTS = ArticleIn(
    paragraphs=[
        "Plus de quatre mille habitants utilisent déjà les nouvelles installations sportives municipales de "
        "Valmont, selon les chiffres publiés vendredi par la mairie.",
        "Le complexe comprend une piscine couverte, deux gymnases et une piste d'athlétisme éclairée.",
        "Les équipements ont coûté onze millions d'euros, financés en partie par la région.",
    ],
    title="Valmont ouvre ses nouvelles installations sportives",
    source="Le Courrier de Valmont",
    date="2026-11-20",
    url="https://courrier-valmont.example/installations",
    origin="courrier-valmont:installations",
)
ACCENTED = "Combien d'habitants fréquentent les installations sportives ?"  # read as French
ASCII = "Combien d'habitants utilisent les nouvelles installations sportives municipales ?"  # read as English


def test_a_french_question_is_answered_from_a_french_article(wikinews_desk, monkeypatch):
    assert question_language(ACCENTED) == "fr" and question_language(ASCII) == "en"
    assert tokenize([ACCENTED])[0] != tokenize([ACCENTED], "fr")[0]  # English stemming would cut its words
    wikinews_desk.ingest_articles([SPORTS])
    coverage: dict[str, float] = {}
    real = compose.Pool.article_coverage

    def spy(self, store, article_id, weights):
        share = real(self, store, article_id, weights)
        if self.articles[article_id].source == SPORTS.source:
            coverage[self.language] = share
        return share

    monkeypatch.setattr(compose.Pool, "article_coverage", spy)
    for question in (ACCENTED, ASCII):
        answer = wikinews_desk.ask(question, k=3)
        assert not answer.no_answer, question
        first = answer.quotes[0]
        assert first.source == SPORTS.source and first.language == "fr", question
        assert first.text.startswith("Plus de quatre mille habitants"), question
    # Both passed the gate (MIN_ARTICLE_COVERAGE) on the words they share with the article.
    assert set(coverage) == {"fr", "en"}
    assert min(coverage.values()) >= compose.MIN_ARTICLE_COVERAGE, coverage
