"""``newsdesk eval``: retrieval quality of Newsdesk against plain BM25, plain dense and plain RRF, in one run.

A question is a hit at k when one of its expected answer strings occurs in one of the top-k passages. For
Newsdesk the passages are the quotes it would show (1-3 sentences, after fusion, collapse, per-article cap and
verification), which is stricter than the baselines' whole paragraphs; the paragraph-level figure is reported
too. Questions marked ``expect: "no_answer"`` pass only when Newsdesk says it has no relevant passage.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from index.config import CoreSettings
from index.eval.data import load_jsonl
from index.eval.gate import gate
from index.eval.metrics import BASELINES, KS, Tally, first_hit
from index.lexical import tokenize
from index.models import Filters
from index.search import retrieve

log = logging.getLogger(__name__)


def evaluate(desk, questions: list[dict], as_of_field: str | None, output=None) -> dict:
    tallies = {name: Tally() for name in ("newsdesk", "newsdesk_paragraph", *BASELINES)}
    failures: list[dict] = []
    no_answer_total = no_answer_ok = 0
    lexical = desk._fresh_lexical()
    started = time.perf_counter()
    for q in questions:
        as_of = q.get(as_of_field) if as_of_field else None
        filters = Filters(as_of=as_of)
        expect_none = q.get("expect") == "no_answer"
        answer = desk.ask(q["question"], k=10, filters=filters)
        if output is not None:
            output.write(
                json.dumps({"id": q.get("id"), "answer": answer.to_dict()}, ensure_ascii=False) + "\n"
            )
        if expect_none:
            no_answer_total += 1
            if answer.no_answer:
                no_answer_ok += 1
            else:
                failures.append(
                    {"id": q.get("id"), "question": q["question"], "why": "answered a no-answer question"}
                )
            continue
        answers = q.get("answers") or []
        rank = first_hit([x.text for x in answer.quotes], answers)
        tallies["newsdesk"].ranks.append(rank)
        order = {x.paragraph_id: i for i, x in enumerate(answer.quotes)}
        paras = desk.store.paragraphs([x.paragraph_id for x in answer.quotes])
        para_texts = [paras[pid].text for pid in sorted(paras, key=order.get)]
        tallies["newsdesk_paragraph"].ranks.append(first_hit(para_texts, answers))
        if rank is None or rank > 5:
            failures.append(
                {"id": q.get("id"), "question": q["question"], "why": "no answer string in top 5"}
            )
        allowed = desk.store.allowed_paragraph_ids(filters)
        q_tokens = tokenize([q["question"]])[0]
        q_vec = desk.embedder.encode_query(q["question"])
        for name in BASELINES:
            cands = retrieve(q_vec, q_tokens, desk.vectors, lexical, allowed, method=name, n=10)[:10]
            texts = desk.store.paragraphs([c.pid for c in cands])
            tallies[name].ranks.append(
                first_hit([texts[c.pid].text for c in cands if c.pid in texts], answers)
            )
    elapsed = time.perf_counter() - started
    return {
        "questions": len(questions),
        "answerable": len(tallies["newsdesk"].ranks),
        "no_answer_expected": no_answer_total,
        "no_answer_correct": no_answer_ok,
        "seconds": round(elapsed, 1),
        "metrics": {name: t.row() for name, t in tallies.items()},
        "failures": failures,
    }


def format_table(result: dict, title: str) -> str:
    lines = [
        f"{title}: {result['answerable']} answerable questions"
        + (
            f", {result['no_answer_correct']}/{result['no_answer_expected']} no-answer questions refused"
            if result["no_answer_expected"]
            else ""
        )
    ]
    head = f"{'method':<20}" + "".join(f"{'hit@' + str(k):>8}" for k in KS) + f"{'MRR':>8}"
    lines.append(head)
    labels = {
        "newsdesk": "newsdesk (quotes)",
        "newsdesk_paragraph": "newsdesk (paragr.)",
        "bm25": "BM25",
        "dense": "dense (exact FAISS)",
        "rrf": "plain RRF",
    }
    for name, row in result["metrics"].items():
        lines.append(
            f"{labels.get(name, name):<20}"
            + "".join(f"{row[f'hit@{k}']:>8.3f}" for k in KS)
            + f"{row['mrr']:>8.3f}"
        )
    return "\n".join(lines)


def run_eval(args, settings: CoreSettings) -> int:
    from index.service import Newsdesk

    articles = Path(args.articles)
    questions = load_jsonl(Path(args.questions))
    if args.limit:
        questions = questions[: args.limit]
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
                result = evaluate(desk, questions, args.as_of_field, out)
        finally:
            desk.close()
    problems = gate(result)
    result["gate"] = problems
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(format_table(result, f"{articles}"))
        for f in result["failures"][: 10 if len(questions) > 20 else None]:
            print(f"  miss {f['id']}: {f['question']} ({f['why']})")
        print("quality gate:", "PASS" if not problems else "FAIL — " + "; ".join(problems))
    strict_ids = {f["id"] for f in result["failures"]} if getattr(args, "strict", False) else set()
    return 1 if problems or strict_ids else 0
