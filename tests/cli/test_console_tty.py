"""The interactive session in a pseudo-terminal: completion, line editing and history, Ctrl-C that cancels the
running command and not the session, and history kept across sessions."""

from __future__ import annotations

from .terminal import CTRL_C, ENTER, TAB, UP, Terminal

# The prompt after a command's output (prompt_toolkit redraws the line being typed, so always expect output first).
PROMPT = r"newsdesk>"


def test_interactive_session(data_dir, tmp_path, terminal_env):
    argv = ["--data-dir", str(data_dir), "run"]
    term = Terminal(argv, tmp_path, terminal_env)  # tmp_path: no .env with a Discord token here
    try:
        term.expect(r"41 articles, 162 paragraphs\. Type `help` for the verbs\.")
        term.expect(PROMPT)
        term.send("sta" + TAB)
        term.expect(r"stats", timeout=30)  # the verb completed on the line being typed
        term.send(ENTER)
        term.expect(r"41 articles \(0 syndicated copies\) from 1 outlet;")
        term.expect(PROMPT)
        term.send(UP)
        term.expect(r"stats", timeout=30)  # Up recalls `stats`; it is not asked as the question "\x1b[A"
        term.send(ENTER)
        term.expect(r"41 articles \(0 syndicated copies\)")
        term.expect(PROMPT)
        term.send("ask tsunami toll -k 2 --source Wik" + TAB)
        term.expect(r"Wikinews", timeout=30)  # the outlet name completed
        term.send(ENTER)
        term.expect(r"Preparing the search index: 162 paragraphs")  # the first question loads it, under a bar
        answer = term.expect(PROMPT)
        assert answer.count("verbatim ✓") == 2 and "Wikinews" in answer
        assert (
            "**" not in answer and "*Tsunami" not in answer
        )  # rendered: the question bold, titles in italics
        assert "\x1b[1mtsunami toll\x1b[0m" in term.raw and "\x1b[3mTsunami toll passes" in term.raw
        term.send("reindex" + ENTER)
        term.expect(r"Re-embedding")  # the long command is running ...
        term.send(CTRL_C)  # ... and Ctrl-C cancels it, not the session
        term.expect(r"Cancelled\.")
        term.expect(PROMPT)
        term.send("stats" + ENTER)
        term.expect(r"162 paragraphs, 162 vectors")  # the old index is whole
        term.send("quit" + ENTER)
        term.expect(r"Bye\.")
        assert term.wait() == 0
    finally:
        term.close()
    history = (data_dir / "console_history").read_text(encoding="utf-8")
    assert "+stats" in history and "+quit" in history and "\x1b" not in history

    again = Terminal(argv, tmp_path, terminal_env)  # a new session remembers the last one's lines
    try:
        again.expect(PROMPT)
        again.send(UP)
        again.expect(r"quit")
        again.send(ENTER)
        again.expect(r"Bye\.")
        assert again.wait() == 0
    finally:
        again.close()


def test_first_session_seeds_the_sample_with_live_progress(tmp_path, terminal_env):
    term = Terminal(["--data-dir", str(tmp_path / "new"), "run"], tmp_path, terminal_env)
    try:
        term.expect(r"The index is empty: adding the bundled sample corpus")
        term.expect(r"Reading .*\d+/41 .*articles/s")  # a live line while it works, with a measured rate
        term.expect(r"Embedding .*para/s")
        term.expect(r"added 41 · unchanged 0")
        term.expect(r"41 articles, 162 paragraphs\. Type `help` for the verbs\.")
        term.expect(PROMPT)
        term.send("quit" + ENTER)
        assert term.wait() == 0
    finally:
        term.close()
