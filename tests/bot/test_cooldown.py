"""The one question cooldown (bot/cooldown.py), on its own clock."""

from __future__ import annotations

from bot.cooldown import QuestionCooldown


def test_one_question_per_interval_per_user() -> None:
    now = [100.0]
    cd = QuestionCooldown(5, clock=lambda: now[0])
    assert cd.hit(1) == 0 and cd.hit(2) == 0  # each user's first question goes through
    assert cd.hit(1) == 5  # and the next one waits the whole interval
    now[0] += 4.5
    assert cd.hit(1) == 0.5
    now[0] += 0.5
    assert cd.hit(1) == 0  # the wait is over: this one counts again
    assert cd.hit(1) == 5


def test_zero_seconds_switches_it_off() -> None:
    cd = QuestionCooldown(0)
    assert all(cd.hit(7) == 0 for _ in range(5))
