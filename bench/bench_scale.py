"""Scale benchmark: the store-is-truth design against "today's design" of the scale issue, at N paragraphs.

    python bench/bench_scale.py [--sizes 20000 100000 1000000] [--work-dir /tmp/newsdesk-scale] [--json FILE]

For each size a data dir is built once under ``--work-dir/n<N>`` (reused by later runs): real RTQA + NewsQA dev
text replicated with distinct ids, dates, outlets and server scopes, written through ``Store.upsert_article`` /
``Store.insert_paragraphs`` in big transactions, with vectors from a cheap deterministic stand-in embedder
(``scale_common.StandInEmbedder``), plus the previous design's FAISS file beside it. Then, each design in its own
processes (so one design's heap never slows the other's garbage collector):

* ``ask`` p50/p95 over real dev questions, model loaded, query embedding included: no filter, ``as_of`` (about half
  the corpus allowed), one outlet, one server scope (global + a small private scope).
* adding one real article (~30 paragraphs) with the real model: wall time, bytes written (``/proc/self/io``), the
  first ``ask`` after it in the same process and in a second, already running process that must catch up.
* cold start to the first answer of the CLI (``python -m index.cli ask --json``; the previous design: its open,
  BM25 build and ask, re-implemented) and its peak resident memory per paragraph; plus the index memory of a
  long-running process per paragraph.
* ingest throughput of the whole pipeline (``ingest_articles``, ~2,000 real paragraphs, real model) as a ratio to
  the bare fp32 ``Embedder.encode`` of the same texts.

Embedders: stored bulk vectors come from the stand-in; questions, the added article and the ingest figures use the
real all-MiniLM-L6-v2. "Today's design" is ``scale_common.LegacyDesk`` (git 0ce2210's indexes re-implemented on
the same store). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import scale_common as sc  # noqa: E402

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.encoders import backend_of  # noqa: E402
from index.models import Filters  # noqa: E402
from index.service import Newsdesk  # noqa: E402
from index.store import Store  # noqa: E402

log = logging.getLogger("bench_scale")

DESIGNS = {"current": "store is truth (now)", "legacy": "today's design (0ce2210)"}
TINY = 2_000  # the baseline data dir: resident memory per paragraph is measured net of it
RESULT = "RESULT "


# -- workers: each runs in its own process ------------------------------------------------------------------------
def open_desk(mode: str, dirs: sc.SizeDirs, embedder: Embedder) -> Newsdesk | sc.LegacyDesk:
    if mode == "legacy":
        return sc.LegacyDesk(dirs, embedder)
    return Newsdesk.open(CoreSettings(data_dir=dirs.data), embedder=embedder)


def filter_configs(info: dict) -> dict[str, Filters]:
    return {
        "no filter": Filters(),
        "as_of": Filters(as_of=info["as_of"]),
        "outlet": Filters(source=info["outlet"]),
        "server scope": Filters(scopes=tuple(info["scopes"])),
    }


def timed(fn, *a, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t0, out


def _stats(values: list[float]) -> dict:
    return {
        "p50": statistics.median(values),
        "p95": sc.percentile(values, 95),
        "mean": statistics.fmean(values),
    }


def measure_asks(desk, embedder: sc.TimedEmbedder, questions: list[str], info: dict) -> dict:
    """Per filter, each question once (after one warm-up): ``ask(k=5)`` wall time in ms, and the same without
    the query embedding, in wall time and in main-thread CPU time (steadier on a shared machine)."""
    out = {}
    for name, filters in filter_configs(info).items():
        desk.ask(questions[-1], k=5, filters=filters)
        wall, rest, cpu = [], [], []
        for q in questions:
            w0, c0 = embedder.query_wall, embedder.query_cpu
            t0, t1 = time.perf_counter(), time.thread_time()
            desk.ask(q, k=5, filters=filters)
            dw, dc = time.perf_counter() - t0, time.thread_time() - t1
            wall.append(dw * 1000)
            rest.append((dw - (embedder.query_wall - w0)) * 1000)
            cpu.append((dc - (embedder.query_cpu - c0)) * 1000)
        out[name] = {
            "wall_ms": _stats(wall),
            "wall_ex_embed_ms": _stats(rest),
            "cpu_ex_embed_ms": _stats(cpu),
        }
        log.info(
            "  ask %-13s p50 %7.1f  p95 %7.1f ms (without the query embedding: p95 %.1f ms wall, %.1f ms CPU)",
            name,
            out[name]["wall_ms"]["p50"],
            out[name]["wall_ms"]["p95"],
            out[name]["wall_ex_embed_ms"]["p95"],
            out[name]["cpu_ex_embed_ms"]["p95"],
        )
    return out


def sql_breakdown(desk: Newsdesk, questions: list[str], info: dict) -> dict:
    """Where an ``ask`` spends its main-thread CPU in SQLite, per filter: the costliest statements (an extra,
    instrumented pass after the timed one; only for the store-is-truth design, whose SQL is the index)."""
    store = desk.store
    spent: dict[str, list[float]] = {}
    plain = store.query

    def query(sql, params=()):
        t0 = time.thread_time()
        try:
            return plain(sql, params)
        finally:
            key = " ".join(sql.split())[:80]
            spent.setdefault(key, [0, 0.0])
            spent[key][0] += 1
            spent[key][1] += time.thread_time() - t0

    store.query = query  # type: ignore[method-assign]
    out = {}
    try:
        for name, filters in filter_configs(info).items():
            spent.clear()
            for q in questions:
                desk.ask(q, k=5, filters=filters)
            top = sorted(spent.items(), key=lambda kv: -kv[1][1])[:3]
            out[name] = [
                {"sql": k, "calls": n / len(questions), "cpu_ms": t / len(questions) * 1000}
                for k, (n, t) in top
            ]
    finally:
        del store.query
    return out


def start_reader(mode: str, args: argparse.Namespace, question: str) -> subprocess.Popen:
    cmd = [sys.executable, __file__, "--worker", "reader", "--mode", mode, "--size-dir", str(args.size_dir)]
    proc = subprocess.Popen(
        cmd + ["--question", question], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "READY":
            return proc
    raise RuntimeError(f"the reader process ended before it was ready (exit {proc.wait()})")


def finish_reader(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate("GO\n", timeout=3600)
    return result_of(out, "reader")


def measure_add(desk, mode: str, args: argparse.Namespace, corpus: sc.Corpus) -> dict:
    """One real article: ingest wall time and bytes, then the first ask in this and in another process."""
    item = sc.Corpus.items([corpus.add_record])[0]
    question = item.title
    reader = start_reader(mode, args, question)
    wb0, c0 = sc.write_bytes(), time.process_time()
    wall, report = timed(desk.ingest_articles, [item])
    wb1, c1 = sc.write_bytes(), time.process_time()
    first, answer = timed(desk.ask, question, k=5)
    wb2 = sc.write_bytes()
    second, _ = timed(desk.ask, question, k=5)
    other = finish_reader(reader)
    aid = report.items[0].article_id
    out = {
        "paragraphs": len(item.paragraphs),
        "status": str(report.items[0].status),
        "ingest_s": wall,
        "ingest_cpu_s": c1 - c0,
        "ingest_bytes": wb1 - wb0,
        "first_ask_ms": first * 1000,
        "first_ask_bytes": wb2 - wb1,
        "second_ask_ms": second * 1000,
        "found": any(q.article_id == aid for q in answer.quotes),
        "other_first_ask_ms": other["first_ask_ms"],
        "other_second_ask_ms": other["second_ask_ms"],
        "other_found": aid in other["article_ids"],
    }
    cleanup(desk, [item])
    log.info(
        "  add one article: %.2f s, %.1f MB written; first ask %.0f ms here, %.0f ms in another process",
        wall,
        out["ingest_bytes"] / 1e6,
        out["first_ask_ms"],
        out["other_first_ask_ms"],
    )
    return out


def measure_throughput(desk, corpus: sc.Corpus) -> dict:
    """Whole pipeline (with the design's own encoder backend) vs the bare torch fp32 ``Embedder.encode`` of the
    same texts (bare timed before and after)."""
    items = sc.Corpus.items(corpus.throughput_records)
    texts = [t for it in items for t in it.paragraphs]
    embedder = Embedder(backend="torch")
    embedder.encode(texts[:64])
    desk.embedder.encode(texts[:64])
    c0 = time.process_time()
    bare1, _ = timed(embedder.encode, texts)
    c1 = time.process_time()
    pipe, report = timed(desk.ingest_articles, items)
    c2 = time.process_time()
    bare2, _ = timed(embedder.encode, texts)
    c3 = time.process_time()
    by_origin = {it.origin: len(it.paragraphs) for it in items}
    stored = sum(by_origin[r.origin] for r in report.items if r.status == "added")
    cleanup(desk, items)
    bare = (bare1 + bare2) / 2
    out = {
        "paragraphs": len(texts),
        "embedded": stored,
        "bare_per_s": len(texts) / bare,
        "bare_s": [bare1, bare2],
        "pipeline_per_s": stored / pipe,
        "pipeline_s": pipe,
        "ratio": (stored / pipe) / (len(texts) / bare),
        "cpu_ratio": (stored / (c2 - c1)) / (len(texts) / ((c1 - c0 + c3 - c2) / 2)),
    }
    log.info(
        "  ingest: pipeline %.0f/s, bare encode %.0f/s, ratio %.2f",
        out["pipeline_per_s"],
        out["bare_per_s"],
        out["ratio"],
    )
    return out


def cleanup(desk, items) -> None:
    """Take the held-out articles out again; the previous design also drops them from its FAISS file."""
    gone = sc.remove_articles(desk.store, items)
    if isinstance(desk, sc.LegacyDesk):
        desk.vectors.remove(gone)
        desk.save()


def worker_desk(args: argparse.Namespace) -> dict:
    dirs = sc.SizeDirs(args.size_dir)
    info = dirs.info()
    assert info is not None, f"{dirs.root} is not built"
    corpus = sc.load_corpus(args.ingest_paragraphs)
    questions = sc.load_questions(args.questions)
    embedder = sc.TimedEmbedder(sc.CURRENT_BACKEND if args.mode == "current" else "torch")
    embedder.encode_query("load the model")
    rss_model = sc.rss_bytes()
    open_s, desk = timed(open_desk, args.mode, dirs, embedder)
    first_s, _ = timed(desk.ask, questions[0], k=5)
    out = {"open_s": open_s, "first_ask_s": first_s, "asks": measure_asks(desk, embedder, questions, info)}
    out["index_rss_bytes"] = sc.rss_bytes() - rss_model
    if isinstance(desk, Newsdesk):
        out["sql"] = sql_breakdown(desk, questions[:20], info)
    out["add"] = measure_add(desk, args.mode, args, corpus)
    out["ingest"] = measure_throughput(desk, corpus)
    out["backend"] = embedder.identity
    desk.close()
    return out


def worker_reader(args: argparse.Namespace) -> dict:
    """A second, long-running process (the bot): warm, then told when the other process has ingested."""
    embedder = Embedder(backend=sc.CURRENT_BACKEND if args.mode == "current" else "torch")
    desk = open_desk(args.mode, sc.SizeDirs(args.size_dir), embedder)
    desk.ask(args.question, k=5)
    desk.ask(args.question, k=5)
    print("READY", flush=True)
    sys.stdin.readline()
    first, answer = timed(desk.ask, args.question, k=5)
    second, _ = timed(desk.ask, args.question, k=5)
    desk.close()
    return {
        "first_ask_ms": first * 1000,
        "second_ask_ms": second * 1000,
        "article_ids": [q.article_id for q in answer.quotes],
    }


def worker_legacy_cli(args: argparse.Namespace) -> int:
    """The previous design's ``newsdesk ask --json``: load the model, read FAISS whole, build BM25, answer."""
    desk = sc.LegacyDesk(sc.SizeDirs(args.size_dir), Embedder(backend="torch"))
    print(json.dumps(desk.ask(args.question, k=5).to_dict(), ensure_ascii=False))
    desk.close()
    return 0


def result_of(stdout: str, what: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    raise RuntimeError(f"the {what} process gave no result")


# -- the orchestrator ---------------------------------------------------------------------------------------------
def run_worker(mode: str, size_dir: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", "desk", "--mode", mode, "--size-dir", str(size_dir)]
    cmd += ["--questions", str(args.questions), "--ingest-paragraphs", str(args.ingest_paragraphs)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    return result_of(done.stdout, f"{mode} worker")


def cold_start(mode: str, dirs: sc.SizeDirs, question: str) -> dict:
    """Wall time to the first answer of a fresh CLI process, and its peak resident memory (``ru_maxrss``)."""
    if mode == "current":
        cmd = [sys.executable, "-m", "index.cli", "--data-dir", str(dirs.data), "ask", question, "--json"]
    else:
        cmd = [sys.executable, __file__, "--worker", "legacy-cli", "--size-dir", str(dirs.root)]
        cmd += ["--question", question]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd],
        capture_output=True,
        cwd=dirs.root,
        env=env,
    )
    wall = time.perf_counter() - t0
    usage = json.loads(done.stderr.decode().rsplit(RESULT, 1)[1])
    answered = usage["rc"] == 0 and "quotes" in json.loads(done.stdout)
    return {"wall_s": wall, "cpu_s": usage["cpu"], "maxrss_bytes": usage["maxrss"], "answered": answered}


# A small process between the orchestrator and the measured one: Linux carries a parent's peak RSS into its
# child's ``ru_maxrss`` across fork + exec, so measured from the (large) orchestrator every CLI looked as big as it.
_MEASURE = (
    "import json, resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    f"print({RESULT!r} + json.dumps({{'rc': rc, 'cpu': u.ru_utime + u.ru_stime, 'maxrss': u.ru_maxrss * 1024}}), "
    "file=sys.stderr)"
)


def cold_starts(dirs: sc.SizeDirs, question: str, runs: int, designs: list[str]) -> dict:
    """``runs`` cold starts per design, alternating designs; the median run is reported (OS file cache warm)."""
    raw: dict[str, list[dict]] = {d: [] for d in designs}
    for _ in range(runs):
        for d in designs:
            raw[d].append(cold_start(d, dirs, question))
    out = {}
    for d, rs in raw.items():
        rs.sort(key=lambda r: r["wall_s"])
        out[d] = {**rs[len(rs) // 2], "runs_s": [r["wall_s"] for r in rs]}
        log.info(
            "  cold start %-7s %.1f s, peak RSS %.0f MB", d, out[d]["wall_s"], out[d]["maxrss_bytes"] / 1e6
        )
    return out


def bench_size(n: int, corpus: sc.Corpus, args: argparse.Namespace) -> dict:
    dirs = sc.SizeDirs(args.work_dir / f"n{n}")
    log.info("n = %d: data dir %s", n, dirs.data)
    info = sc.build_data_dir(dirs, n, corpus)
    log.info(
        "  built in %.0f s (%s)",
        info["build_s"],
        ", ".join(f"{k} {v:.0f} s" for k, v in info["build_parts_s"].items()),
    )
    store = Store(dirs.data / "newsdesk.db")  # held-out articles left behind by an interrupted run
    sc.remove_articles(store, sc.Corpus.items(corpus.held_out))
    store.close()
    question = sc.load_questions(1)[0]
    out = {"info": info, "load_before": sc.environment()["load_avg"]}
    out["cold"] = cold_starts(dirs, question, args.cold_runs, args.designs)
    for mode in args.designs:
        log.info("  %s:", DESIGNS[mode])
        out[mode] = run_worker(mode, dirs.root, args)
    out["load_after"] = sc.environment()["load_avg"]
    return out


# -- the report ---------------------------------------------------------------------------------------------------
def _ms(a: dict) -> str:
    return f"{a['p50']:.0f} / {a['p95']:.0f} ms" if a["p95"] >= 10 else f"{a['p50']:.1f} / {a['p95']:.1f} ms"


def _mb(b: float) -> str:
    return f"{b / 1e6:,.1f} MB" if b < 1e9 else f"{b / 2**30:,.2f} GiB"


Rows = dict[str, tuple[str, float | None]]


def _ask_rows(w: dict) -> Rows:
    """Three rows per filter; the indented ones carry ``|filter`` in their key (not printed) to stay distinct."""
    rows: Rows = {}
    for name, a in w["asks"].items():
        rows[f"ask p50 / p95, {name} [S]"] = (_ms(a["wall_ms"]), a["wall_ms"]["p95"])
        for key, label in (("wall_ex_embed_ms", "wall"), ("cpu_ex_embed_ms", "CPU")):
            rows[f"  without the query embedding, {label}|{name}"] = (_ms(a[key]), a[key]["p95"])
    return rows


def _rows(r: dict, d: str, n: int, base: dict) -> Rows:
    """(text, value compared across designs) per figure for design ``d``; value None when not comparable."""
    w, cold = r[d], r["cold"][d]
    add, ing = w["add"], w["ingest"]
    found = "found" if add["other_found"] else "NOT found"
    net = (cold["maxrss_bytes"] - base[d]["maxrss_bytes"]) / max(n - TINY, 1)
    backend = backend_of(w.get("backend")) or "?"
    rows: Rows = {"encoder (questions, added article, ingest)": (f"{backend} fp32", None)}
    rows.update(_ask_rows(w))
    rows["add one article: ingest wall [M]"] = (f"{add['ingest_s']:.2f} s", add["ingest_s"])
    later = f" (+{_mb(add['first_ask_bytes'])} next ask)" if add["first_ask_bytes"] > 0 else ""
    rows["  bytes written by the ingest"] = (_mb(add["ingest_bytes"]) + later, add["ingest_bytes"])
    rows["  first ask after, same process"] = (f"{add['first_ask_ms']:.0f} ms", add["first_ask_ms"])
    rows["  first ask after, another process"] = (
        f"{add['other_first_ask_ms']:.0f} ms ({found})",
        add["other_first_ask_ms"],
    )
    searchable = add["ingest_s"] + add["other_first_ask_ms"] / 1000
    rows["  searchable everywhere (ingest + that ask)"] = (f"{searchable:.2f} s", searchable)
    rows["index load in a running process (1st ask)"] = (f"{w['first_ask_s'] + w['open_s']:.1f} s", None)
    rows["cold start, CLI ask to answer [S]"] = (f"{cold['wall_s']:.1f} s", cold["wall_s"])
    rows["  CPU time of that process"] = (f"{cold['cpu_s']:.1f} s", cold["cpu_s"])
    rows["  peak RSS of that process"] = (_mb(cold["maxrss_bytes"]), cold["maxrss_bytes"])
    rows["  per paragraph: raw / net of a 2k dir"] = (f"{cold['maxrss_bytes'] / n:,.0f} / {net:,.0f} B", net)
    per = w["index_rss_bytes"] / n
    rows["long-running process: index RSS/paragraph"] = (f"{per:,.0f} B", per)
    rows["ingest: pipeline / bare fp32 encode [M]"] = (
        f"{ing['ratio']:.2f} ({ing['pipeline_per_s']:.0f} vs {ing['bare_per_s']:.0f}/s)",
        ing["ratio"],
    )
    rows["  the same in CPU time"] = (f"{ing['cpu_ratio']:.2f}", ing["cpu_ratio"])
    return rows


TARGETS = {
    **{f"ask p50 / p95, {f} [S]": "p95 <= 40 ms" for f in ("no filter", "as_of", "outlet", "server scope")},
    "  searchable everywhere (ingest + that ask)": "<= 2 s",
    "cold start, CLI ask to answer [S]": "<= 5 s",
    "  per paragraph: raw / net of a 2k dir": "<= 600 B",
    "long-running process: index RSS/paragraph": "<= 600 B",
    "ingest: pipeline / bare fp32 encode [M]": ">= 2.5",
}


def print_size(n: int, r: dict, base: dict, designs: list[str]) -> None:
    info = r["info"]
    print(
        f"\n== {n:,} paragraphs (build {info['build_s']:.0f} s; load average {r['load_before']} -> "
        f"{r['load_after']}; filters allow: as_of < {info['as_of']} {info['as_of_share']:.0%}, outlet "
        f"{info['outlet']!r} {info['outlet_share']:.1%}, scopes ('', '123') {info['scope_share']:.0%}, of which "
        f"private {info['private_share']:.1%})"
    )
    rows = {d: _rows(r, d, n, base) for d in designs}
    both = len(designs) == 2
    print(
        f"{'figure':<46}"
        + "".join(f"{DESIGNS[d]:>28}" for d in designs)
        + (f"{'now/today':>11}" if both else "")
        + "  target at 1M"
    )
    for key in rows[designs[0]]:
        line = f"{key.split('|')[0]:<46}" + "".join(f"{rows[d][key][0]:>28}" for d in designs)
        if both:
            a, b = rows["current"][key][1], rows["legacy"][key][1]
            line += f"{a / b:>11.2f}" if a is not None and b else f"{'':>11}"
        print(line + f"  {TARGETS.get(key, '')}")
    if "current" in designs and "sql" in r["current"]:
        print("costliest SQL per ask, store is truth (main-thread CPU ms, instrumented pass):")
        for name, top in r["current"]["sql"].items():
            print(f"  {name:<13} " + "; ".join(f"{t['cpu_ms']:.1f} ms {t['sql'][:58]}" for t in top[:2]))


LEGEND = (
    "\n[S] stored bulk vectors from the stand-in embedder (hashed-word random projection, 384-d); questions "
    "and the added article embedded by real all-MiniLM-L6-v2.\n[M] real all-MiniLM-L6-v2 only (real "
    "paragraphs into the same data dir). Today's design = scale_common.LegacyDesk (0ce2210's indexes "
    "re-implemented on the same store).\nRatios are now/today (below 1 = now is smaller); the ingest ratio "
    "is pipeline/bare, higher is better. CPU = main-thread CPU time (ask) or process CPU time; on a shared "
    "machine it moves less than wall time. Cold starts with the OS file cache warm."
)


# -- entry point --------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000], help="paragraphs per data dir")
    ap.add_argument("--work-dir", type=Path, default=Path("/tmp/newsdesk-scale"))
    ap.add_argument("--json", type=Path, help="also write the figures here as JSON")
    ap.add_argument("--questions", type=int, default=100, help="real dev questions per filter")
    ap.add_argument(
        "--ingest-paragraphs", type=int, default=2000, help="real paragraphs for the ingest ratio"
    )
    ap.add_argument("--cold-runs", type=int, default=3, help="cold starts per design (median reported)")
    ap.add_argument("--designs", nargs="+", choices=list(DESIGNS), default=list(DESIGNS))
    # internal: the measuring processes
    ap.add_argument("--worker", choices=["desk", "reader", "legacy-cli"], help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=list(DESIGNS), help=argparse.SUPPRESS)
    ap.add_argument("--size-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--question", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def worker_main(args: argparse.Namespace) -> int:
    configure_runtime()
    if args.worker == "legacy-cli":
        return worker_legacy_cli(args)
    out = worker_desk(args) if args.worker == "desk" else worker_reader(args)
    print(RESULT + json.dumps(out), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    logging.getLogger("index").setLevel(logging.WARNING)
    if args.worker:
        return worker_main(args)
    if not sc.SHARED.exists():
        print(f"{sc.SHARED} is missing: the benchmark reads the evaluation data by path.", file=sys.stderr)
        return 1
    corpus = sc.load_corpus(args.ingest_paragraphs)
    tiny = sc.SizeDirs(args.work_dir / f"n{TINY}")
    sc.build_data_dir(tiny, TINY, corpus)
    log.info("baseline: cold starts on %d paragraphs", TINY)
    base = cold_starts(tiny, sc.load_questions(1)[0], args.cold_runs, args.designs)
    results: dict[int, dict] = {}
    for n in args.sizes:  # each size is printed and saved when done, so a long run keeps what it measured
        results[n] = bench_size(n, corpus, args)
        print_size(n, results[n], base, args.designs)
        sys.stdout.flush()
        if args.json:
            doc = {
                "environment": sc.environment(),
                "baseline_cold": base,
                "sizes": results,
                "designs": DESIGNS,
            }
            args.json.write_text(json.dumps(doc, indent=1))
    if len(results) > 1:
        print("\n\n######## all sizes")
        for n, r in results.items():
            print_size(n, r, base, args.designs)
    print(LEGEND)
    return 0


if __name__ == "__main__":
    sys.exit(main())
