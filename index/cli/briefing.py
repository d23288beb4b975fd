"""``newsdesk briefing`` and ``newsdesk eval-briefing``: the daily briefing from the command line, and its
evaluation on RealTimeQA against a "most recent lead paragraphs" baseline.

Coverage (eval-briefing): each question is about a story of the days before its ``question_date``. The daily
briefings of those days (``--days``, default 7) cover it when one of them *cites* one of its ``article_ids`` (lists
it among a story's articles) or *quotes* a passage containing one of its answers. The stricter *quoted* figure
counts only quoted articles and quoted text. The baseline briefing of a day lists, as the same number of items, the
most recent articles' lead paragraphs (RTQA has dates only, so "most recent" falls back to the latest ingested).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from pathlib import Path

from index.cli.args import DEFAULT_TOP, DeskNeed, common_options, date_arg, positive_int, settings_from
from index.cli.output import emit, emit_json, progress_note
from index.models import Briefing
from index.render import briefing_markdown, say
from index.service import Newsdesk

log = logging.getLogger(__name__)


def render_markdown(b: Briefing) -> str:
    """The briefing as Markdown through ``prompts/briefing.md.j2``."""
    return briefing_markdown(b)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``briefing`` and ``eval-briefing`` to the ``newsdesk`` parser."""
    common = common_options()
    p = sub.add_parser("briefing", parents=[common], help="the day's stories across outlets, with quotes")
    p.add_argument(
        "--date", type=date_arg, help="the day (YYYY-MM-DD, configured time zone); default: last 24 hours"
    )
    p.add_argument("--topic", help="only stories about this topic")
    p.add_argument(
        "--sources", action="append", help="only these outlets (comma-separated, or repeat the option)"
    )
    p.add_argument(
        "--top", type=positive_int, default=DEFAULT_TOP, help=f"number of stories (default {DEFAULT_TOP})"
    )
    p.add_argument("--json", action="store_true", help="print the Briefing as JSON")
    p.add_argument("--output", type=Path, help="also write the Markdown to this file")
    p.set_defaults(func=cmd_briefing, desk=DeskNeed.STORE)

    p = sub.add_parser(
        "eval-briefing", parents=[common], help="coverage of quiz questions by daily briefings vs a baseline"
    )
    p.add_argument("articles", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument(
        "--top", type=positive_int, default=DEFAULT_TOP, help="stories per daily briefing (default 8)"
    )
    p.add_argument("--days", type=positive_int, default=7, help="days before each question_date (default 7)")
    p.add_argument(
        "--work-dir",
        type=Path,
        help="index the articles here and reuse it on the next run (default: a throw-away directory)",
    )
    p.add_argument("--show", type=date_arg, help="also print the rendered briefing of this day")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_eval_briefing, desk=DeskNeed.NONE)


def cmd_briefing(args: argparse.Namespace, desk: Newsdesk) -> int:
    t0 = time.perf_counter()
    b = desk.briefing(date=args.date, topic=args.topic, sources=args.sources, top=args.top)
    log.info("briefing built in %.2f s", time.perf_counter() - t0)
    markdown = render_markdown(b)
    if args.output:
        args.output.write_text(markdown, encoding="utf-8")
    if args.json:
        emit_json(b.to_dict())
        return 0
    emit(markdown, end="")
    if b.empty and not b.n_articles and args.date is None:
        latest = latest_day(desk, args.sources)
        if latest is not None:
            emit(say("cli_briefing_latest", date=latest))
    return 0


def latest_day(desk: Newsdesk, sources: list[str] | None) -> str | None:
    """The last day any (of these) outlets published on: what to offer when the last 24 hours had nothing."""
    wanted = {s.strip() for group in sources or [] for s in group.split(",") if s.strip()}
    days = [r.last_date for r in desk.sources() if r.last_date and (not wanted or r.source in wanted)]
    return max(days, default=None)


# -- evaluation ----------------------------------------------------------------------------------------------------
@dataclass
class Item:
    """One line of a briefing as the evaluation sees it: the articles it cites and the text it quotes."""

    cited: set[str]
    quoted: set[str]
    texts: list[str]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def briefing_items(b: Briefing) -> list[Item]:
    return [
        Item(set(s.article_ids), {q.article_id for q in s.quotes}, [q.text for q in s.quotes])
        for s in b.stories
    ]


def baseline_items(desk: Newsdesk, day: str, n: int) -> list[Item]:
    """The ``n`` most recent articles of ``day`` with their lead paragraph (first non-caption paragraph)."""
    if n <= 0:
        return []
    rows = desk.store.query(
        "SELECT id, duplicate_of FROM articles WHERE date = ? "
        "ORDER BY COALESCE(published_at, '') DESC, rowid DESC LIMIT ?",
        (day, n),
    )
    items = []
    for row in rows:
        content = row["duplicate_of"] or row["id"]
        lead = desk.store.query(
            "SELECT text FROM paragraphs WHERE article_id = ? AND caption = 0 ORDER BY ordinal LIMIT 1",
            (content,),
        )
        texts = [lead[0]["text"]] if lead else []
        items.append(Item({row["id"]}, {row["id"]}, texts))
    return items


def covered(question: dict, items: list[Item], strict: bool) -> bool:
    ids = set(question.get("article_ids") or [question.get("article_id")])
    answers = [_norm(a) for a in question.get("answers", []) if a and a.strip()]
    for item in items:
        if ids & (item.quoted if strict else item.cited):
            return True
        if any(a in _norm(t) for t in item.texts for a in answers):
            return True
    return False


def evaluate_briefings(desk: Newsdesk, questions: list[dict], top: int = 8, days: int = 7) -> dict:
    """Coverage of ``questions`` by the daily briefings of the ``days`` days before each question_date."""
    wanted: dict[str, list[str]] = {}
    for q in questions:
        qd = Date.fromisoformat(q["question_date"][:10])
        wanted[q["id"]] = [(qd - timedelta(days=i)).isoformat() for i in range(1, days + 1)]
    all_days = sorted({d for ds in wanted.values() for d in ds})
    ours: dict[str, list[Item]] = {}
    base: dict[str, list[Item]] = {}
    timings: list[float] = []
    n_articles: list[int] = []
    from index.briefing.stories import build_briefing  # scipy: only for the evaluation (see index.cli)

    for day in all_days:
        t0 = time.perf_counter()
        b = build_briefing(desk, date=day, top=top)
        timings.append(time.perf_counter() - t0)
        n_articles.append(b.n_articles)
        ours[day] = briefing_items(b)
        base[day] = baseline_items(desk, day, len(b.stories))
    result: dict = {"questions": len(questions), "days": len(all_days), "top": top, "window_days": days}
    for name, per_day in (("briefing", ours), ("baseline", base)):
        for strict in (False, True):
            hits = sum(
                covered(q, [i for d in wanted[q["id"]] for i in per_day[d]], strict) for q in questions
            )
            result[f"{name}_{'quoted' if strict else 'cited'}"] = hits / max(len(questions), 1)
        result[f"{name}_items_per_day"] = sum(len(v) for v in per_day.values()) / max(len(all_days), 1)
        result[f"{name}_articles_cited_per_day"] = sum(
            len(i.cited) for v in per_day.values() for i in v
        ) / max(len(all_days), 1)
    # Ceiling: questions with at least one linked article published in their window at all.
    dated = {r["id"]: r["date"] for r in desk.store.query("SELECT id, date FROM articles")}
    result["reachable"] = sum(
        any(dated.get(a) in wanted[q["id"]] for a in (q.get("article_ids") or [q.get("article_id")]))
        for q in questions
    ) / max(len(questions), 1)
    result["misses"] = [
        {
            "id": q["id"],
            "question_date": q["question_date"],
            "question": q["question"],
            "answers": q.get("answers"),
        }
        for q in questions
        if not covered(q, [i for d in wanted[q["id"]] for i in ours[d]], False)
    ]
    result["articles_per_day"] = sum(n_articles) / max(len(all_days), 1)
    timings.sort()
    result["seconds_per_briefing_median"] = timings[len(timings) // 2] if timings else 0.0
    result["seconds_per_briefing_max"] = timings[-1] if timings else 0.0
    busiest = max(zip(n_articles, all_days, strict=True))[1] if all_days else None
    result["busiest_day"] = busiest
    return result


def format_result(r: dict) -> str:
    lines = [
        f"{r['questions']} questions, daily briefings of {r['days']} days (top {r['top']}, "
        f"{r['window_days']} days before each question_date), {r['articles_per_day']:.1f} articles/day",
        f"questions with a linked article inside their {r['window_days']} days (ceiling for citing): "
        f"{r['reachable']:.1%}",
        f"{'':10} {'cited':>7} {'quoted':>7} {'items/day':>10} {'articles cited/day':>19}",
    ]
    for name in ("briefing", "baseline"):
        lines.append(
            f"{name:10} {r[name + '_cited']:7.1%} {r[name + '_quoted']:7.1%} {r[name + '_items_per_day']:10.1f} "
            f"{r[name + '_articles_cited_per_day']:19.1f}"
        )
    lines.append(
        f"briefing time: median {r['seconds_per_briefing_median']:.2f} s, max {r['seconds_per_briefing_max']:.2f} s"
        f" (from stored embeddings); busiest day {r['busiest_day']}"
    )
    for m in r.get("misses", [])[:10]:
        lines.append(f"  miss {m['id']} ({m['question_date']}): {m['question']} {m['answers']}")
    return "\n".join(lines)


def _load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cmd_eval_briefing(args: argparse.Namespace, desk: Newsdesk | None = None) -> int:
    if not args.articles.exists() or not args.questions.exists():
        raise FileNotFoundError(
            say("cli_eval_data_missing", articles=args.articles, questions=args.questions)
        )
    questions = _load_jsonl(args.questions)
    with tempfile.TemporaryDirectory(prefix="newsdesk-brief-eval-") as tmp:
        data_dir = args.work_dir or Path(tmp)
        # A desk passed in (tests) lends its loaded model; the CLI passes none (desk=DeskNeed.NONE).
        embedder = desk.embedder if desk is not None else None
        own = Newsdesk.open(settings_from(args).model_copy(update={"data_dir": data_dir}), embedder=embedder)
        try:
            if own.store.counts()["articles"] == 0:
                t0 = time.perf_counter()
                report = own.ingest_paths([args.articles])
                progress_note(
                    say(
                        "cli_eval_indexed",
                        added=report.added,
                        duplicates=report.duplicates,
                        failed=len(report.failed),
                        seconds=time.perf_counter() - t0,
                    )
                )
            else:
                progress_note(say("cli_eval_reusing", data_dir=data_dir))
            result = evaluate_briefings(own, questions, top=args.top, days=args.days)
            shown = render_markdown(own.briefing(date=args.show, top=args.top)) if args.show else None
        finally:
            own.close()
    if args.json:
        emit(json.dumps(result, indent=1))
    else:
        emit(format_result(result))
    if shown:
        emit()
        emit(shown, end="")
    return 0
