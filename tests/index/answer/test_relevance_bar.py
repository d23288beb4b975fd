"""Only passages that answer (issue 21): every quote shown passes one relevance bar (a floor and a margin relative to
the best quote), paging past the last one says no more passages pass it, a prior never lifts a non-answering
passage above an answering one, and the answerability model says "no relevant passage" for a question the
sample cannot answer. Real encoder (the default model), real store, the bundled Wikinews sample."""

from __future__ import annotations

import dataclasses
import math

import index.answer.compose as compose
import index.questions as questions
from index.answer.profiles import bar_for
from index.messages import render

PADDED = "Who won the Ukrainian presidential election?"


def bar_of(desk):
    return bar_for(desk.store.model_identity()[0])


def test_every_quote_is_within_the_margin_of_the_best_and_the_padding_is_gone(wikinews_desk, monkeypatch):
    bar = bar_of(wikinews_desk)
    assert math.isfinite(bar.margin)
    answer = wikinews_desk.ask(PADDED, k=10)
    assert answer.quotes and "Yushchenko" in answer.quotes[0].text
    best = max(q.evidence for q in answer.quotes)
    assert all(q.evidence >= best - bar.margin for q in answer.quotes)
    # The same question without the margin: the page is padded with passages far below the best one.
    monkeypatch.setattr(questions, "bar_for", lambda identity: dataclasses.replace(bar, margin=math.inf))
    padded = wikinews_desk.ask(PADDED, k=10)
    extra = [q for q in padded.quotes if q.evidence < best - bar.margin]
    assert extra, [q.evidence for q in padded.quotes]
    shown = {q.paragraph_id for q in answer.quotes}
    assert not shown & {q.paragraph_id for q in extra}


def test_more_says_no_more_passages_pass_the_bar(wikinews_desk):
    first = wikinews_desk.ask(PADDED, k=3)
    assert len(first.quotes) == 3
    offset = 3
    while True:
        page = wikinews_desk.ask(PADDED, k=3, offset=offset)
        if len(page.quotes) < 3:
            break
        offset += 3
    text = render("answer.md.j2", answer=page, offset=offset, k=3)
    assert (
        "No more passages pass the relevance bar" in text or "no more passages pass the relevance bar" in text
    )
    beyond = wikinews_desk.ask(PADDED, k=3, offset=offset + 3)
    assert not beyond.quotes and not beyond.no_answer
    assert "no more passages pass the relevance bar" in render(
        "answer.md.j2", answer=beyond, offset=offset + 3, k=3
    )


def test_a_prior_never_lifts_a_non_answering_passage_above_an_answering_one(wikinews_desk, monkeypatch):
    question = "How many people died in the tsunami?"
    plain = wikinews_desk.ask(question, k=10)
    assert plain.quotes
    lifted: list[int] = []
    real_rescore = compose.rescore

    def rescore_with_a_big_prior(pool, store, req):
        """The real re-scoring, then a prior (as the lead bonus adds) far larger than any evidence, given to the
        weakest passage of the pool: ranked first, it must still not be shown."""
        real_rescore(pool, store, req)
        weakest = min((c for c in pool.cands if c.pid in pool.windows), key=compose.evidence)
        weakest.score += 10.0
        weakest.prior += 10.0
        lifted.append(weakest.pid)
        pool.cands.sort(key=lambda c: (-c.score, c.pid))

    monkeypatch.setattr(compose, "rescore", rescore_with_a_big_prior)
    answer = wikinews_desk.ask(question, k=10)
    assert lifted and lifted[0] not in {q.paragraph_id for q in answer.quotes}
    assert [q.paragraph_id for q in answer.quotes] == [q.paragraph_id for q in plain.quotes]


def test_the_answerability_model_says_no_relevant_passage(wikinews_desk, monkeypatch):
    bar = bar_of(wikinews_desk)
    assert bar.answerable is not None
    question = UNANSWERABLE
    answer = wikinews_desk.ask(question, k=5)
    assert answer.no_answer and not answer.quotes
    assert answer.nearest_misses  # what was nearest is still shown, as misses
    # Without the model, the bar alone would have quoted something: it is the model's decision.
    monkeypatch.setattr(questions, "bar_for", lambda identity: dataclasses.replace(bar, answerable=None))
    assert not wikinews_desk.ask(question, k=5).no_answer


UNANSWERABLE = "What is the name of the new drug?"  # the sample is about 2004-05 news; no drug is named
