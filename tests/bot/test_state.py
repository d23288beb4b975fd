"""The bot's state database: an older file is migrated forward without losing what it holds."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.state import MIGRATIONS, SCHEMA_V1, BotState


def test_a_database_from_before_versions_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "bot-state.db"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA_V1)  # what the bot created before the schema had versions (user_version 0)
    old.execute("INSERT INTO watched VALUES (1, 2, 3, '2026-01-01T00:00:00+00:00')")
    old.commit()
    old.close()
    state = BotState(path)
    try:
        assert state.watched(1) == {2}
        assert state._rows("PRAGMA user_version")[0][0] == len(MIGRATIONS)
        now = datetime.now(UTC)
        fields = dict(guild_id=1, channel_id=None, user_id=3, ephemeral=False, question="q", filters={}, k=5)
        answer_id = state.save_answer(
            now=now, keep_seconds=60, offset=0, no_answer=False, has_more=True, quotes=[], **fields
        )
        assert state.answer(answer_id, now).question == "q"
    finally:
        state.close()
    reopened = BotState(path)  # opening again is a no-op
    assert reopened.watched(1) == {2}
    reopened.close()
