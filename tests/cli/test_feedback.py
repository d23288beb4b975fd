"""``newsdesk feedback export`` and ``newsdesk eval-feedback``: the bot's votes become an evaluation set."""

from __future__ import annotations

import json

from bot.state import BotState
from cli.main import main
from index.models import Filters

Q = "How many people died in the tsunami?"


def _vote(state: BotState, desk, question: str, vote: int, answer_id: int) -> list[str]:
    answer = desk.ask(question, k=3, filters=Filters())
    quotes = [{"id": q.paragraph_id, "text": q.text} for q in answer.quotes]
    state.add_feedback(
        guild_id=1,
        channel_id=2,
        user_id=3,
        question=question,
        filters={},
        vote=vote,
        quotes=quotes,
        answer_id=answer_id,
    )
    return [q["text"] for q in quotes]


def test_votes_export_as_json_lines_and_score_against_the_index(wikinews_desk, run_cli, tmp_path, capsys):
    data_dir = wikinews_desk.data_dir
    state = BotState(data_dir / "bot-state.db")
    approved = _vote(state, wikinews_desk, Q, 1, answer_id=10)
    rejected = _vote(state, wikinews_desk, "Who won the football match?", -1, answer_id=11)
    state.close()

    out = tmp_path / "votes.jsonl"
    assert main(["feedback", "export", "--data-dir", str(data_dir), "--output", str(out)]) == 0
    assert "2 votes exported" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in rows] == ["good", "bad"]
    assert rows[0]["answers"] == approved and rows[1]["rejected"] == rejected

    assert run_cli("eval-feedback", str(out), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["votes"] == 2 and result["good"] == 1 and result["bad"] == 1
    assert result["approved"]["hit@1"] == 1.0  # the same index shows the approved quote first again
    assert result["bad_still_shown"] in (0, 1)


def test_export_without_a_bot_says_so(tmp_path, capsys):
    assert main(["feedback", "export", "--data-dir", str(tmp_path)]) != 0
    assert "has not recorded any votes" in capsys.readouterr().err
