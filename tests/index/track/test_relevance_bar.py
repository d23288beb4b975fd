"""Alerts pass the relevance bar every quote shown passes (issue 21): an absolute floor on a passage's evidence
(its score without the priors) and a margin relative to the best new passage; a prior, however large, never turns
a passage that does not answer into an alert. Real model, SQLite and FTS5, as the other tracking tests."""

from __future__ import annotations

import dataclasses
import math

import index.track.match as match
from index import track
from index.answer.compose import evidence

from .conftest import DAY1, QUESTION


def test_a_prior_never_lifts_a_weak_new_paragraph_into_an_alert(desk, ferry, gulls, monkeypatch) -> None:
    track.add(desk, QUESTION, now=DAY1)
    floor = match.alert_floor(desk)
    lifted: list[tuple[int, float]] = []
    real_rescore = match.rescore

    def rescore_with_a_big_prior(pool, store, req):
        """The real re-scoring, then a prior (as the lead bonus adds) far larger than any evidence, given to the
        weakest new passage: ranked first by score, it must still not alert."""
        real_rescore(pool, store, req)
        weakest = min((c for c in pool.cands if c.pid in pool.windows), key=evidence)
        weakest.score += 10.0
        weakest.prior += 10.0
        lifted.append((weakest.pid, evidence(weakest)))
        pool.cands.sort(key=lambda c: (-c.score, c.pid))

    monkeypatch.setattr(match, "rescore", rescore_with_a_big_prior)
    desk.ingest_articles([ferry, gulls])
    fired = track.check(desk, now=DAY1)
    ((pid, weak),) = lifted
    assert weak < floor  # below the alert floor on its evidence ...
    assert (
        desk.store.paragraphs([pid])[pid].text in gulls.paragraphs
    )  # ... a paragraph about gulls, not the ferry
    # Neither the lifted passage nor its article alerts, and the answer still does: the margin is measured from the
    # best evidence, not from the lifted score.
    assert [a.quote.paragraph_id for a in fired if a.quote.paragraph_id == pid] == []
    assert [(a.quote.source, "nineteen minutes" in a.quote.text) for a in fired] == [("Coast Post", True)]


def test_a_new_paragraph_beyond_the_margin_of_the_best_does_not_alert(
    desk, ferry_explainer, council, monkeypatch
) -> None:
    tq = track.add(desk, QUESTION, now=DAY1)
    desk.ingest_articles([ferry_explainer, council])
    bar = match.bar_for(desk.store.model_identity()[0])
    assert math.isfinite(bar.margin)
    # With the margin opened (the same bar otherwise), the council passage clears the alert floor and alerts.
    with monkeypatch.context() as m:
        m.setattr(match, "bar_for", lambda identity: dataclasses.replace(bar, margin=math.inf))
        opened = {a.quote.source: a.quote.evidence for a in track.test(desk, tq.id, now=DAY1)}
    assert set(opened) == {"Ferry Guide", "Island Gazette"}
    best, far = opened["Ferry Guide"], opened["Island Gazette"]
    assert match.alert_floor(desk) <= far < best - bar.margin
    # With the bar's margin, only the best new passage alerts.
    fired = track.check(desk, now=DAY1)
    assert [a.quote.source for a in fired] == ["Ferry Guide"]
    assert "nineteen minutes" in fired[0].quote.text
