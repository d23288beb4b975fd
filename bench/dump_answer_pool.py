"""Dump each question's re-scored answer pool with its features, for fitting the relevance bar offline (issue 21).

Why: the relevance bar (floor, margin, the answerability model in ``index/answer/relevance.py``) is chosen on the
tuning half by simulating the answer stage on these features, which is far faster than re-running ``newsdesk eval``
for every candidate setting. Each question is asked as ``Newsdesk.ask`` does up to the pool (retrieval, sentence
windows, priors), and once more with its own article(s) left out (``--unanswerable``). One JSON line per question:
its half, whether its story was searched, its tokens' IDF weights, and for the first ``--depth`` candidates in score
order the features and whether the window (or its paragraph) holds a gold answer.

    PYTHONPATH=. NEWSDESK_MODEL=intfloat/multilingual-e5-small python bench/dump_answer_pool.py \
        ARTICLES QUESTIONS --index-dir DIR --split tune --out pool-tune.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.answer.answer_type import answer_type, has_answer_type
from index.answer.compose import Request, load_pool, rescore
from index.config import CoreSettings
from index.eval.data import load_jsonl
from index.eval.metrics import contains_answer
from index.eval.split import select
from index.eval.unanswerable import own_articles
from index.models import Filters
from index.service import Newsdesk
from index.text import tokenize


def pool_rows(desk: Newsdesk, q: dict, exclude: set[str], as_of: str | None, depth: int) -> dict:
    question = q["question"]
    filters = Filters(as_of=as_of)
    vectors, query, language = desk._query(question, filters, exclude)
    tokens = query.tokens
    cands = desk._retrieve(vectors, query, "hybrid")
    weights = desk.lexical.weights(tokens)
    req = Request(question, weights, 10, 0, 5, None, "hybrid")
    pool = load_pool(cands, desk.store, req)
    rescore(pool, desk.store, req)
    answers = q.get("answers") or []
    kind = answer_type(question)
    rows = []
    for c in pool.cands[:depth]:
        para = pool.paragraphs.get(c.pid)
        if para is None or c.pid not in pool.windows:
            continue
        start, end, _ = pool.windows[c.pid]
        text = para.text[start:end]
        rows.append(
            {
                "pid": c.pid,
                "article": para.article_id,
                "ordinal": para.ordinal,
                "score": round(c.score, 5),
                "prior": round(c.prior, 5),
                "dense": round(c.dense, 5),
                "bm25": round(c.bm25, 4),
                "coverage": round(c.coverage, 5),
                "dense_rank": c.dense_rank,
                "lex_rank": c.lex_rank,
                "attributed": c.attributed,
                "foreign": c.foreign,
                "typed": bool(kind and has_answer_type(text, kind, question)),
                "art_cov": round(pool.article_coverage(desk.store, para.article_id, weights), 4),
                "gold": contains_answer(text, answers),
                "gold_para": contains_answer(para.text, answers),
                "chars": len(text),
                "art_terms": sorted(t for t in weights if t in pool.article_tokens[para.article_id]),
                "win_terms": sorted(set(tokenize([text], language)[0]) & set(weights)),
            }
        )
    return {"id": q.get("id"), "kind": kind, "weights": weights, "cands": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("articles")
    ap.add_argument("questions")
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--split", default="tune")
    ap.add_argument("--as-of-field")
    ap.add_argument("--depth", type=int, default=30)
    ap.add_argument("--start", type=int, default=0, help="skip this many questions of the half")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    questions = select(load_jsonl(Path(args.questions)), args.split)[args.start :]
    if args.limit:
        questions = questions[: args.limit]
    desk = Newsdesk.open(CoreSettings().model_copy(update={"data_dir": Path(args.index_dir)}))
    with open(args.out, "w", encoding="utf-8") as out:
        for i, q in enumerate(questions):
            if q.get("expect") == "no_answer":
                continue
            as_of = q.get(args.as_of_field) if args.as_of_field else None
            for own in (False, True):
                if own and not own_articles(q):
                    continue
                row = pool_rows(desk, q, own_articles(q) if own else set(), as_of, args.depth)
                row["unanswerable"] = own
                out.write(json.dumps(row) + "\n")
            if i % 100 == 0:
                print(f"{i}/{len(questions)}", file=sys.stderr, flush=True)
    desk.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
