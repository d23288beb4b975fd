"""The parser and the module structure of index/cli: every verb registered, no bot import at start-up, acyclic."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser
from tests.conftest import ROOT

CLI = ROOT / "cli"
VERBS = {"ingest", "ask", "reindex", "sources", "stats", "eval", "briefing", "eval-briefing", "feeds", "poll"}


def test_every_verb_is_registered():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert VERBS | {"run", "sync"} <= set(sub.choices)


# What no command pays for at start-up unless it uses it (see cli/__init__.py).
HEAVY = (
    "bot",
    "discord",
    "rich",
    "aiohttp",
    "feedparser",
    "prompt_toolkit",
    "sentence_transformers",
    "torch",
)


def test_importing_the_cli_loads_neither_the_bot_nor_heavy_packages():
    code = f"import sys, cli.main; print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


# The bot's front ends: run/sync start it, feedback reads its votes (bot.state). No other command pays for discord.py.
BOT_IMPORTERS = {"run", "feedback"}


def test_cli_modules_are_acyclic_and_only_run_imports_bot():
    graph = {p.stem: {n.split(".")[1] for n in _imports(p) if n.startswith("cli.")} for p in CLI.glob("*.py")}
    for name, path in ((p.stem, p) for p in CLI.glob("*.py")):
        bot = {n for n in _imports(path) if n == "bot" or n.startswith("bot.")}
        assert not bot or name in BOT_IMPORTERS, f"cli/{name}.py imports {bot}"
    assert "main" not in graph["console"]  # the session receives its parser

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, f"import cycle: {' -> '.join((*stack, node))}"
        for nxt in graph.get(node, ()):
            visit(nxt, (*stack, node))

    for start in graph:
        visit(start, ())


def test_library_warnings_only_with_verbose(capsys):
    import logging

    from cli.main import configure_logging

    try:
        configure_logging(verbose=False)
        logging.getLogger("trafilatura.core").warning("discarding data: None")
        logging.getLogger("index.service").warning("index repaired: 3 paragraphs embedded")
        assert capsys.readouterr().err.splitlines() == ["newsdesk: index repaired: 3 paragraphs embedded"]
        configure_logging(verbose=True)
        logging.getLogger("trafilatura.core").warning("discarding data: None")
        assert "WARNING trafilatura.core: discarding data: None" in capsys.readouterr().err
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "newsdesk_cli", False)]:
            root.removeHandler(handler)
        logging.captureWarnings(False)
        root.setLevel(logging.WARNING)


@pytest.mark.parametrize(
    "argv",
    [
        ["sources"],
        ["feeds", "list"],
        ["stats"],
        ["briefing", "--date", "2004-12-28"],
    ],
)
def test_light_commands_never_load_the_model(data_dir, argv):
    code = (
        "import sys; from cli.main import main; rc = main(sys.argv[1:]); "
        "print('model loaded:', 'sentence_transformers' in sys.modules); sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(data_dir), *argv],
        capture_output=True,
        text=True,
        cwd=data_dir.parent,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("model loaded: False")
