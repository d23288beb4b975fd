"""Retrieval evaluation (index/eval/retrieval.py, misses.py) on the bundled Wikinews sample."""

from __future__ import annotations

import json
import shutil

from cli.main import build_parser
from index.config import CoreSettings
from index.eval.misses import MissCounts, classify_miss, gold_articles
from index.eval.retrieval import evaluate, format_misses, run_eval
from index.models import Paragraph, Quote, SourceRef
from tests.conftest import WIKINEWS

KMART = "wikinews-2004-11-17-006"
PINOCHET = "wikinews-2005-01-06-039"


def quote_of(para: Paragraph, article_id: str, end: int, also_in: list[str] = ()) -> Quote:
    refs = [SourceRef(a, "Other", "t", None, None) for a in also_in]
    return Quote(
        para.text[:end], article_id, "t", "Wikinews", None, None, para.ordinal, para.id, 0, end, 1.0, refs
    )


def test_each_kind_of_miss():
    para = Paragraph(1, "a", 1, "The deal is to cost $11.5bn. Sears will be kept as a brand.")
    other = Paragraph(2, "b", 1, "Nothing to see here.")
    paras = {1: para, 2: other}
    answers = ["kept as a brand"]
    assert classify_miss([quote_of(para, "a", 28)], paras, answers, {"a"}) == "window_missed"
    assert classify_miss([quote_of(other, "b", 5)], paras, ["11.5bn"], {"b"}) == "paragraph_not_quoted"
    assert classify_miss([quote_of(other, "b", 5)], paras, ["11.5bn"], {"a"}) == "article_not_quoted"
    assert classify_miss([], paras, ["11.5bn"], {"a"}) == "article_not_quoted"  # a no-answer
    # a syndicated copy of the gold article counts as the gold article
    assert classify_miss([quote_of(other, "b", 5, ["a"])], paras, ["zzz"], {"a"}) == "paragraph_not_quoted"
    assert classify_miss([quote_of(other, "b", 5)], paras, ["zzz"], set()) == "unlabelled"
    counts = MissCounts()
    counts.add("window_missed")
    counts.add("article_not_quoted", no_answer=True)
    assert counts.to_dict()["total"] == 2 and counts.no_answer == 1


def test_gold_articles_include_the_canonical_of_a_copy(wiki):
    assert gold_articles(wiki.store, {"article_id": KMART}) == {KMART}
    assert gold_articles(wiki.store, {"article_ids": [KMART, "unknown"]}) == {KMART, "unknown"}
    assert gold_articles(wiki.store, {"id": "x"}) == set()


def test_evaluate_scores_newsdesk_and_baselines_and_explains_misses(wiki, tmp_path):
    questions = [
        {
            "id": "kmart",
            "question": "How much will Kmart pay for Sears?",
            "answers": ["$11.5bn"],
            "article_id": KMART,
        },
        {"id": "nobel", "question": "Who won the 2004 Nobel Peace Prize?", "answers": ["Wangari Maathai"]},
        {
            "id": "m1",
            "question": "How much will Kmart pay for Sears?",
            "answers": ["zzzq"],
            "article_id": KMART,
        },
        {
            "id": "m2",
            "question": "How much will Kmart pay for Sears?",
            "answers": ["zzzq"],
            "article_id": PINOCHET,
        },
        {
            "id": "none",
            "question": "What is a good recipe for lasagna?",
            "answers": [],
            "expect": "no_answer",
        },
    ]
    out = tmp_path / "answers.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        result = evaluate(wiki, questions, None, fh)
    assert result["answerable"] == 4 and result["no_answer_correct"] == 1
    assert set(result["metrics"]) == {"newsdesk", "newsdesk_paragraph", "bm25", "dense", "rrf"}
    assert result["metrics"]["newsdesk"]["hit@5"] == 0.5  # kmart and nobel; the zzzq ones cannot hit
    assert result["metrics"]["bm25"]["hit@10"] == 0.5
    assert result["misses"] == {
        "total": 2,
        "article_not_quoted": 1,
        "paragraph_not_quoted": 1,
        "window_missed": 0,
        "unlabelled": 0,
        "no_answer": 0,
    }
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["miss"] for r in lines[:4]] == [None, None, "paragraph_not_quoted", "article_not_quoted"]
    assert lines[0]["ranks"]["newsdesk"] <= 5 and set(lines[0]["ranks"]) >= {"bm25", "dense", "rrf"}
    text = format_misses(result)
    assert "top-5 misses of Newsdesk: 2 questions" in text and "gold article not quoted at all:" in text
    # How often each label was right: every quote shown on an answerable question counted under its label.
    shown = sum(len(r["answer"]["quotes"]) for r in lines[:4])
    assert sum(c["shown"] for c in result["labels"].values()) == shown
    assert set(result["labels"]) <= {"strong match", "related"}
    assert result["labels"]["related"]["right"] <= result["labels"]["related"]["shown"]


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    args = build_parser().parse_args(argv)
    code = run_eval(args, CoreSettings())
    return code, capsys.readouterr().out


def test_cli_eval_takes_one_half_and_fails_through_the_gate(wikinews_dir, tmp_path, capsys):
    index_dir = tmp_path / "idx"
    shutil.copytree(wikinews_dir, index_dir)  # already indexed: the run only re-reads the articles
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "Who won the 2004 Nobel Peace Prize?",
            "answers": ["Maathai"],
            "article_id": "s1",
        },
        {
            "id": "b",
            "question": "How much will Kmart pay for Sears?",
            "answers": ["11.5bn"],
            "article_id": KMART,
        },
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    base = ["eval", str(WIKINEWS), str(questions), "--index-dir", str(index_dir), "--json"]
    code, out = run_cli(base + ["--split", "all"], capsys)
    assert code == 0 and json.loads(out)["split"] == {"half": "all", "questions": 2, "of": 2}
    halves = [
        json.loads(run_cli(base + ["--split", h], capsys)[1])["split"]["questions"]
        for h in ("tune", "report")
    ]
    assert sum(halves) == 2
    # a regression the gate must catch: a question the corpus cannot answer gets an answer -> exit status 1
    rows.append({"id": "c", "question": "Who bit a dog?", "answers": [], "expect": "no_answer"})
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out = run_cli(base[:-1], capsys)
    assert code == 1 and "quality gate: FAIL" in out and "no answer in the corpus got one" in out
