"""``newsdesk eval``: retrieval quality of Newsdesk against plain BM25, plain dense and plain RRF, in one run.

A question is a hit at k when one of its expected answer strings occurs in one of the top-k passages. For
Newsdesk the passages are the quotes it would show (1-3 sentences, after fusion, collapse, per-article cap and
verification), which is stricter than the baselines' whole paragraphs; the paragraph-level figure is reported
too. Questions marked ``expect: "no_answer"`` pass only when Newsdesk says it has no relevant passage.

Every top-5 miss of Newsdesk is put in one of three kinds (``misses.py``), so article retrieval, ranking within an
article and window choice can be improved separately. ``split`` picks the tuning or the reporting half.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from index.config import CoreSettings
from index.eval.data import load_jsonl
from index.eval.gate import gate
from index.eval.metrics import BASELINES, KS, Tally, contains_answer, first_hit
from index.eval.misses import MissCounts, classify_miss, gold_articles
from index.eval.split import select
from index.eval.unanswerable import Lines, evaluate_unanswerable, format_unanswerable
from index.messages import say
from index.models import Answer, Filters
from index.service import Newsdesk

log = logging.getLogger(__name__)

LABELS = {
    "newsdesk": "newsdesk (quotes)",
    "newsdesk_paragraph": "newsdesk (paragr.)",
    "bm25": "BM25",
    "dense": "dense (exact FAISS)",
    "rrf": "plain RRF",
}


@dataclass
class Run:
    """What one evaluation accumulates while it goes through the questions."""

    tallies: dict[str, Tally] = field(
        default_factory=lambda: {name: Tally() for name in ("newsdesk", "newsdesk_paragraph", *BASELINES)}
    )
    misses: MissCounts = field(default_factory=MissCounts)
    failures: list[dict[str, Any]] = field(default_factory=list)
    no_answer_expected: int = 0
    no_answer_correct: int = 0
    # Each confidence label a person reads: [quotes shown with it, of which right] (a quote is right when it or its
    # paragraph holds a gold answer string: the gold paragraph).
    labels: dict[str, list[int]] = field(default_factory=dict)


def baseline_ranks(
    desk: Newsdesk, question: str, filters: Filters, answers: list[str]
) -> dict[str, int | None]:
    """Rank of the first answer-bearing paragraph in each plain method's top 10 (whole paragraphs, no cap).

    ``Newsdesk.rank`` gives the bare methods, without Newsdesk's answer stage.
    """
    ranks: dict[str, int | None] = {}
    for name in BASELINES:
        ranked = desk.rank(question, name, 10, filters)
        texts = desk.store.paragraphs(ranked)
        ranks[name] = first_hit([texts[p].text for p in ranked if p in texts], answers)
    return ranks


def _score_answer(desk: Newsdesk, q: dict[str, Any], answer: Answer, run: Run) -> dict[str, Any]:
    """Ranks of one answerable question for Newsdesk (quotes and their paragraphs), and its kind of miss."""
    answers = q.get("answers") or []
    rank = first_hit([x.text for x in answer.quotes], answers)
    paras = desk.store.paragraphs([x.paragraph_id for x in answer.quotes])
    para_rank = first_hit(
        [paras[x.paragraph_id].text for x in answer.quotes if x.paragraph_id in paras], answers
    )
    run.tallies["newsdesk"].ranks.append(rank)
    run.tallies["newsdesk_paragraph"].ranks.append(para_rank)
    for x in answer.quotes:
        para = paras.get(x.paragraph_id)
        right = contains_answer(x.text, answers) or (para is not None and contains_answer(para.text, answers))
        counts = run.labels.setdefault(x.confidence or "none", [0, 0])
        counts[0] += 1
        counts[1] += int(right)
    miss = None
    if rank is None or rank > 5:
        miss = classify_miss(answer.quotes[:5], paras, answers, gold_articles(desk.store, q))
        run.misses.add(miss, no_answer=answer.no_answer)
        run.failures.append(
            {"id": q.get("id"), "question": q["question"], "why": "no answer string in top 5"}
        )
    return {"newsdesk": rank, "newsdesk_paragraph": para_rank, "miss": miss}


def evaluate(
    desk: Newsdesk, questions: list[dict[str, Any]], as_of_field: str | None, output: IO[str] | None = None
) -> dict[str, Any]:
    """Newsdesk and the baselines over ``questions``; ``output`` gets one JSON line per question."""
    run = Run()
    started = time.perf_counter()
    for q in questions:
        filters = Filters(as_of=q.get(as_of_field) if as_of_field else None)
        answer = desk.ask(q["question"], k=10, filters=filters)
        record: dict[str, Any] = {"id": q.get("id")}
        if q.get("expect") == "no_answer":
            run.no_answer_expected += 1
            run.no_answer_correct += int(answer.no_answer)
            if not answer.no_answer:
                run.failures.append(
                    {"id": q.get("id"), "question": q["question"], "why": "answered a no-answer question"}
                )
        else:
            ranks = _score_answer(desk, q, answer, run)
            for name, r in baseline_ranks(desk, q["question"], filters, q.get("answers") or []).items():
                run.tallies[name].ranks.append(r)
                ranks[name] = r
            record.update(ranks=ranks, miss=ranks.pop("miss"))
        if output is not None:
            output.write(json.dumps({**record, "answer": answer.to_dict()}, ensure_ascii=False) + "\n")
    return {
        "questions": len(questions),
        "answerable": len(run.tallies["newsdesk"].ranks),
        "no_answer_expected": run.no_answer_expected,
        "no_answer_correct": run.no_answer_correct,
        "seconds": round(time.perf_counter() - started, 1),
        "metrics": {name: t.row() for name, t in run.tallies.items()},
        "misses": run.misses.to_dict(),
        "labels": {
            label: {"shown": n, "right": r, "right_rate": round(r / n, 4)}
            for label, (n, r) in run.labels.items()
        },
        "failures": run.failures,
    }


def format_table(result: dict[str, Any], title: str) -> str:
    lines = [
        f"{title}: {result['answerable']} answerable questions"
        + (
            f", {result['no_answer_correct']}/{result['no_answer_expected']} no-answer questions refused"
            if result["no_answer_expected"]
            else ""
        )
    ]
    lines.append(f"{'method':<20}" + "".join(f"{'hit@' + str(k):>8}" for k in KS) + f"{'MRR':>8}")
    for name, row in result["metrics"].items():
        lines.append(
            f"{LABELS.get(name, name):<20}"
            + "".join(f"{row[f'hit@{k}']:>8.3f}" for k in KS)
            + f"{row['mrr']:>8.3f}"
        )
    return "\n".join(lines)


def format_misses(result: dict[str, Any]) -> str:
    """The breakdown of Newsdesk's top-5 misses, one line per kind, as shares of all answerable questions."""
    m, total = result["misses"], max(result["answerable"], 1)
    lines = [say("eval_misses", n=m["total"], share=m["total"] / total, no_answer=m["no_answer"])]
    for kind in ("article_not_quoted", "paragraph_not_quoted", "window_missed", "unlabelled"):
        if kind != "unlabelled" or m[kind]:
            lines.append("  " + say(f"eval_miss_{kind}", n=m[kind], share=m[kind] / total))
    return "\n".join(lines)


def _print_result(result: dict[str, Any], title: str, problems: list[str], n_questions: int) -> None:
    print(format_table(result, title))
    print(format_misses(result))
    for label, c in result.get("labels", {}).items():
        print(say("eval_label", label=label, n=c["shown"], rate=c["right_rate"]))
    for f in result["failures"][: 10 if n_questions > 20 else None]:
        print(f"  miss {f['id']}: {f['question']} ({f['why']})")
    print(say("eval_gate_pass") if not problems else say("eval_gate_fail", problems="; ".join(problems)))


def run_eval(args: Any, settings: CoreSettings) -> int:
    """``newsdesk eval``: index ``args.articles`` (throw-away dir or ``--index-dir``) and evaluate one half."""
    articles = Path(args.articles)
    every = load_jsonl(Path(args.questions))
    split = getattr(args, "split", None) or "all"
    questions = select(every, split)
    if args.limit:
        questions = questions[: args.limit]
    print(say("eval_split", split=split, n=len(questions), total=len(every)), file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        # --index-dir keeps the evaluation index between runs (ingest is idempotent, so a rerun only re-reads).
        data_dir = Path(args.index_dir) if getattr(args, "index_dir", None) else Path(tmp)
        desk = Newsdesk.open(settings.model_copy(update={"data_dir": data_dir}))
        try:
            t0 = time.perf_counter()
            report = desk.ingest_paths([articles])
            stats = desk.stats()
            print(
                f"indexed {stats.articles:,} articles, {stats.paragraphs:,} paragraphs "
                f"in {time.perf_counter() - t0:.0f} s ({len(report.failed)} failed)",
                file=sys.stderr,
            )
            with contextlib.ExitStack() as stack:
                out = stack.enter_context(open(args.output, "w", encoding="utf-8")) if args.output else None
                lines = Lines(out) if getattr(args, "unanswerable", False) else None
                result = evaluate(desk, questions, args.as_of_field, lines or out)
                if lines is not None:  # the same questions again, each without its own story
                    result["unanswerable"] = evaluate_unanswerable(
                        desk, questions, args.as_of_field, lines.records
                    )
        finally:
            desk.close()
    result["split"] = {"half": split, "questions": len(questions), "of": len(every)}
    problems = gate(result)
    result["gate"] = problems
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        _print_result(result, f"{articles} ({split})", problems, len(questions))
        if "unanswerable" in result:
            print(format_unanswerable(result["unanswerable"], split))
    strict_ids = {f["id"] for f in result["failures"]} if getattr(args, "strict", False) else set()
    return 1 if problems or strict_ids else 0
