"""The terminal session (``make run`` without a Discord token): the bot's verbs over the local index.

Each line is parsed by the same argparse parser as the ``newsdesk`` command, so ``ask "..." -k 3 --since
2005-01-01`` means the same in both; a line without a verb is a question. An empty index is first seeded with
the bundled Wikinews sample so a new user can ask something at once.
"""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

from index.config import CoreSettings
from index.render import render

log = logging.getLogger(__name__)

VERBS = {"ask", "briefing", "ingest", "reindex", "sources", "stats", "feeds", "poll"}


def run_console(settings: CoreSettings, corpus: Path, stdin=None, stdout=None) -> int:
    from index.cli.main import build_parser
    from index.service import Newsdesk

    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = stdin.isatty()
    print("Loading the index…", file=out, flush=True)
    desk = Newsdesk.open(settings)
    try:
        if desk.stats().articles == 0 and corpus.exists():
            print(f"The index is empty: adding the bundled sample corpus ({corpus}).", file=out, flush=True)
            report = desk.ingest_paths([corpus])
            print(f"Added {report.added} articles.", file=out)
        stats = desk.stats()
        print(
            f"{stats.articles:,} articles, {stats.paragraphs:,} paragraphs. Type `help` for the verbs.",
            file=out,
        )
        parser = build_parser()
        last: tuple[list[str], int] | None = None
        while True:
            if interactive:
                print("newsdesk> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            try:
                words = shlex.split(line)
            except ValueError as exc:
                print(f"Could not read that line ({exc}).", file=out)
                continue
            verb = words[0].lower()
            if verb in {"quit", "exit", "q"}:
                break
            if verb in {"help", "?"}:
                print(render("help.txt.j2"), file=out)
                continue
            if verb == "more":
                if last is None:
                    print("Ask a question first.", file=out)
                    continue
                words, offset = last[0], last[1]
                words = [w for w in words if not w.startswith("--offset")] + [f"--offset={offset}"]
            elif verb not in VERBS:
                words = ["ask", *words]
            args = _run_line(parser, words, desk, out)
            if args is not None and words[0] == "ask":
                last = (words, args.offset + args.k)  # where the next page starts
    finally:
        desk.close()
    print("Bye.", file=out)
    return 0


def _run_line(parser, words: list[str], desk, out):
    """Run one parsed line; returns its arguments, or None when the line could not be parsed."""
    import contextlib

    try:
        with contextlib.redirect_stderr(out):
            args = parser.parse_args(words)
    except SystemExit:
        return None  # argparse already printed the usage error
    try:
        with contextlib.redirect_stdout(out):
            if words[0] == "reindex":
                report = desk.reindex()
                from index.cli.main import print_report

                print_report(report)
            else:
                args.func(args, desk)
    except (ValueError, KeyError, OSError) as exc:
        print(f"Error: {exc}", file=out)
    except Exception as exc:  # noqa: BLE001 - the session must survive any single command
        log.exception("console command failed")
        print(f"Error: {type(exc).__name__}: {exc}", file=out)
    return args
