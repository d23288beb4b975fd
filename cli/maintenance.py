"""``newsdesk backup DEST`` and ``newsdesk check``: keeping the one file that holds every article and vector safe.

Both open the store file themselves (``DeskNeed.NONE``): no model, no vector cache, no migration, and a damaged
store is reported by ``check`` instead of failing on open. ``store_problem`` is what ``main`` uses to turn a full
disk, a read-only data dir or a damaged store met by *any* command into one sentence.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.args import DeskNeed, Parser, common_options, settings_from
from cli.output import emit, emit_json, warn
from index import STORE_FILE, backup, check_store, damaged_sentence, say, store_error


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p: Parser = sub.add_parser(
        "backup",
        parents=[common],
        help="a consistent copy of the store while others write (SQLite's online backup)",
    )
    p.add_argument("dest", type=Path, metavar="DEST", help="a file, or a folder for a time-stamped file")
    p.add_argument("--json", action="store_true", help="print what was backed up as JSON")
    p.set_defaults(func=cmd_backup, desk=DeskNeed.NONE)

    p = sub.add_parser("check", parents=[common], help="check the store's integrity and say what was found")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=cmd_check, desk=DeskNeed.NONE)


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(settings_from(args).data_dir)


def cmd_backup(args: argparse.Namespace, desk: object | None) -> int:
    data_dir = data_dir_of(args)
    result = backup(data_dir, args.dest)
    if args.json:
        emit_json(
            {
                "dest": str(result.dest.resolve()),
                "bytes": result.bytes,
                "articles": result.articles,
                "paragraphs": result.paragraphs,
                "seconds": round(result.seconds, 3),
            }
        )
    else:
        emit(
            say(
                "cli_backup_done",
                db=(data_dir / STORE_FILE).resolve(),
                dest=result.dest.resolve(),
                size=f"{result.bytes / 2**20:,.1f} MB",
                articles=result.articles,
                paragraphs=result.paragraphs,
            )
        )
    return 0


def cmd_check(args: argparse.Namespace, desk: object | None) -> int:
    data_dir = data_dir_of(args)
    db = (data_dir / STORE_FILE).resolve()
    found = check_store(data_dir)
    if args.json:
        emit_json(
            {
                "ok": found.ok,
                "problems": found.problems,
                "articles": found.articles,
                "paragraphs": found.paragraphs,
                "vectors": found.vectors,
            }
        )
    elif found.ok:
        emit(
            say(
                "cli_check_ok",
                db=db,
                articles=found.articles,
                paragraphs=found.paragraphs,
                vectors=found.vectors,
            )
        )
    if not found.ok:
        first = found.problems[0]
        warn(say("cli_check_damaged", db=db, n=len(found.problems), first=first))
        warn(damaged_sentence(data_dir, say("cli_check_found", n=len(found.problems))))
        return 1
    return 0


def store_problem(exc: BaseException, args: argparse.Namespace) -> str | None:
    """The one sentence for a storage failure met by any command (None: not one; the caller re-raises)."""
    try:
        data_dir = data_dir_of(args)
    except Exception:  # noqa: BLE001 - settings that cannot be read are not this failure
        return None
    problem = store_error(exc, data_dir)
    return str(problem) if problem is not None else None
