"""The feedback evaluation set (index/eval/feedback.py): the bot's export read back and scored on an index."""

from __future__ import annotations

import json

import pytest

from bot.state import BotState
from index.eval.feedback import evaluate_feedback, format_feedback, load_votes, matches, parse_vote

KMART_Q = "How much will Kmart pay for Sears?"


def test_the_bots_export_is_a_feedback_set(tmp_path):
    """The contract with bot/state.py: what the bot exports, this module reads, filters included."""
    state = BotState(tmp_path / "bot-state.db")
    quote = {
        "id": "q1",
        "article_id": "a",
        "paragraph_id": 1,
        "start": 0,
        "end": 5,
        "source": "S",
        "text": "$11.5bn",
    }
    filters = {"source": "Wikinews", "scopes": ["", "42"]}
    state.add_feedback(
        guild_id=42, channel_id=1, user_id=7, question=KMART_Q, filters=filters, vote=1, quotes=[quote]
    )
    state.add_feedback(
        guild_id=42, channel_id=1, user_id=8, question="x?", filters={}, vote=-1, quotes=[quote]
    )
    out = tmp_path / "feedback.jsonl"
    assert state.export_eval_set(out) == 2
    good, bad = load_votes(out)
    assert good.good and good.approved == ["$11.5bn"] and good.filters.scopes == ("", "42")
    assert good.filters.source == "Wikinews"
    assert not bad.good and bad.rejected == ["$11.5bn"] and bad.approved == []


def test_bad_records_are_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="record 1: the record has no question"):
        parse_vote({"label": "good"}, f"{tmp_path}, record 1")
    with pytest.raises(ValueError, match='label must be "good" or "bad"'):
        parse_vote({"question": "q", "label": "meh"}, "r")
    with pytest.raises(ValueError, match="unknown filters outlet"):
        parse_vote({"question": "q", "label": "bad", "filters": {"outlet": "x"}}, "r")


def test_a_window_that_grew_or_shrank_still_matches():
    assert matches("The deal is to cost $11.5bn and more.", ["the deal is  to cost $11.5BN"])
    assert matches("$11.5bn", ["The deal is to cost $11.5bn."])
    assert not matches("Sears will be kept.", ["The deal is to cost $11.5bn."])


def test_evaluate_feedback_scores_approved_and_rejected_quotes(wiki, tmp_path):
    shown = wiki.ask(KMART_Q, k=5).quotes
    top = shown[0].text
    rows = [
        {"id": "g1", "question": KMART_Q, "label": "good", "answers": [top]},
        {"id": "g2", "question": KMART_Q, "label": "good", "answers": ["a quote no index holds"]},
        {"id": "b1", "question": KMART_Q, "label": "bad", "rejected": [top]},
        {"id": "b2", "question": KMART_Q, "label": "bad", "rejected": ["a quote no index holds"]},
        {
            "id": "g3",
            "question": KMART_Q,
            "label": "good",
            "answers": [top],
            "filters": {"until": "1990-01-01"},
        },
    ]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = evaluate_feedback(wiki, load_votes(path), k=5)
    assert result["good"] == 3 and result["bad"] == 2
    assert result["approved"]["hit@1"] == pytest.approx(1 / 3, abs=1e-3)  # g1 only; g3 is filtered out
    assert result["good_now_no_answer"] == 1 and result["bad_still_shown"] == 1
    assert "5 votes: 3 👍, 2 👎" in format_feedback(result)
