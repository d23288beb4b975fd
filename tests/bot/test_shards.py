"""Several bot processes: NEWSDESK_SHARD_ID / NEWSDESK_SHARD_COUNT make this process one Discord shard (it says so
when it identifies), only shard 0 polls feeds in the background, and a half-set pair is one sentence."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {"NEWSDESK_SHARD_ID": "1"},
            "NEWSDESK_SHARD_ID and NEWSDESK_SHARD_COUNT go together: set both or neither.",
        ),
        (
            {"NEWSDESK_SHARD_ID": "2", "NEWSDESK_SHARD_COUNT": "2"},
            "NEWSDESK_SHARD_ID 2 is not below NEWSDESK_SHARD_COUNT 2.",
        ),
    ],
)
def test_a_bad_shard_setting_is_one_sentence(monkeypatch, tmp_path, env, sentence) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert str(exc.value) == sentence


async def test_a_shard_identifies_as_such_and_leaves_feed_polling_to_shard_0(world) -> None:
    w, start = world
    bot = await start(NEWSDESK_SHARD_ID=1, NEWSDESK_SHARD_COUNT=2)
    assert w.emu.identify["shard"] == [1, 2]
    assert bot.shard_id == 1 and bot.shard_count == 2
    assert not bot.get_cog("Feeds").poller.is_running()
    await bot.close()

    bot = await start(NEWSDESK_SHARD_ID=0, NEWSDESK_SHARD_COUNT=2)
    assert w.emu.identify["shard"] == [0, 2]
    assert bot.get_cog("Feeds").poller.is_running()


async def test_one_process_without_shards_identifies_without_one(world) -> None:
    w, start = world
    bot = await start()
    assert "shard" not in w.emu.identify or w.emu.identify["shard"] in (None, [0, 1])
    assert bot.get_cog("Feeds").poller.is_running()
