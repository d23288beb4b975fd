"""``newsdesk feedback export`` and ``newsdesk eval-feedback``: the analysts' 👍/👎 on the bot's answers as an
evaluation set, so a deployment can watch its own quality move between versions (issue 10).

Besides ``run.py``, the one module outside ``bot/`` that imports ``bot``: the votes live in the bot's own state
database (``bot.state``), read here inside the command so no other command pays for the import.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.args import CliError, DeskNeed, common_options, positive_int, settings_from
from index import Newsdesk

STATE_FILE = "bot-state.db"  # bot.app.STATE_FILE; read through BotState, never by SQL here


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    fb = sub.add_parser("feedback", parents=[common], help="the analysts' votes on the bot's answers")
    actions = fb.add_subparsers(dest="feedback_action", required=True, metavar="ACTION")
    p = actions.add_parser("export", parents=[common], help="the votes as an evaluation set (JSON lines)")
    p.add_argument("--output", type=Path, help="write here instead of standard output")
    p.set_defaults(func=cmd_export, desk=DeskNeed.NONE)

    p = sub.add_parser(
        "eval-feedback", parents=[common], help="how the index answers the voted questions now"
    )
    p.add_argument("votes", type=Path, help="a file written by `newsdesk feedback export`")
    p.add_argument("-k", type=positive_int, default=5, help="quotes considered (default 5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_feedback, desk=DeskNeed.REPAIRED)


def cmd_export(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    from bot.state import BotState

    path = Path(settings_from(args).data_dir) / STATE_FILE
    if not path.exists():
        raise CliError(f"No bot state in {path.parent}: the bot has not recorded any votes here yet.")
    state = BotState(path)
    try:
        records = list(state.iter_eval_set())
    finally:
        state.close()
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            out.close()
    print(f"{len(records)} votes exported" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def cmd_eval_feedback(args: argparse.Namespace, desk: Newsdesk | None) -> int:
    from index.eval import evaluate_feedback, format_feedback, load_votes

    assert desk is not None
    try:
        votes = load_votes(args.votes)
    except (OSError, ValueError) as exc:
        raise CliError(f"Cannot read the votes in {args.votes}: {exc}") from None
    result = evaluate_feedback(desk, votes, k=args.k)
    print(json.dumps(result, indent=2) if args.json else format_feedback(result))
    return 0
