"""One per-user cooldown for every way of asking a question: /ask, /timeline, /quotes, a mention, a watched channel
or a thread. Each searches the index as much as the others, so a user waits ``NEWSDESK_ASK_COOLDOWN`` seconds
between any two of them (not per command, which would let one user run three searches at once)."""

from __future__ import annotations

import time
from collections.abc import Callable


class QuestionCooldown:
    """Per-user: one question per ``seconds`` (0 switches it off)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._until: dict[int, float] = {}

    def hit(self, user_id: int) -> float:
        """Seconds ``user_id`` must still wait; 0 when the question may be asked now (and then it counts)."""
        if self.seconds <= 0:
            return 0.0
        now = self.clock()
        left = self._until.get(user_id, 0.0) - now
        if left > 0:
            return left
        if len(self._until) > 10_000:  # forget users whose wait is over
            self._until = {u: t for u, t in self._until.items() if t > now}
        self._until[user_id] = now + self.seconds
        return 0.0
