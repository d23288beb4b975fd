"""Encoder backends side by side on real text (a script, not a test): speed, query latency, agreement with fp32.

    python bench/bench_encoders.py [--paragraphs 3000] [--queries 200] [--threads 1] [--backends onnx ...]

NewsQA dev articles are split into paragraphs as ingest does (``segment.passages``), whole articles until
``--paragraphs``; each variant embeds them all (paragraphs/s in wall time and per CPU-second of the process: on a
shared machine the CPU figure at one thread is the steady one), then ``--queries`` dev questions one at a time
(p50/p95 ms). Top-10 agreement = mean |top-10 ∩ fp32 top-10| / 10 of a dense search of every dev question about
those articles over their paragraphs, against torch fp32 at batch 64 (today's encoder); "min cos" is the lowest
cosine between a variant's vector and fp32's. ``torch-bs16`` … are today's backend at other batch sizes (same
vectors); ``torch-seq128`` truncates at 128 tokens instead of the model's 256. Last, a fresh process's time to its
first query vector per backend (cold start).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

from index.config import MINILM_MODEL as DEFAULT_MODEL  # noqa: E402  (the backends are MiniLM's)
from index.embed.backends import Encoder, GraphEncoder, TorchEncoder  # noqa: E402
from index.embed.model import resolve_model  # noqa: E402
from index.ingest.segment import passages  # noqa: E402

VARIANTS = ("torch-bs16", "torch-bs32", "torch-bs128", "torch-seq128", "onnx", "onnx-int8", "openvino")
NUMERIC = ("torch-seq128", "onnx", "onnx-int8", "openvino")  # variants whose vectors can differ from fp32


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load_texts(n: int) -> tuple[list[str], list[str]]:
    """Whole articles' paragraphs until ``n`` (as ingest splits them), and the dev questions about them."""
    paragraphs: list[str] = []
    ids: set[str] = set()
    with open(SHARED / "newsqa-dev" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            paragraphs.extend(passages(rec["text"]))
            ids.add(rec["id"])
            if len(paragraphs) >= n:
                break
    with open(SHARED / "newsqa-dev" / "questions.jsonl", encoding="utf-8") as fh:
        questions = [q["question"] for q in map(json.loads, fh) if q["article_id"] in ids]
    return paragraphs, questions


def build(variant: str, path: str, threads: int) -> tuple[Encoder, int]:
    """(encoder, batch size) for a variant name, on ``threads`` threads."""
    if variant.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        enc = TorchEncoder(path, DEFAULT_MODEL)
        if variant == "torch-seq128":
            enc.model.max_seq_length = 128
        batch = int(variant.split("-bs")[1]) if "-bs" in variant else 64
        return enc, batch
    if variant == "onnx-int8":
        return GraphEncoder(path, DEFAULT_MODEL, "onnx", threads=threads, quantised=True), 64
    return GraphEncoder(path, DEFAULT_MODEL, variant, threads=threads), 64


def measure(enc: Encoder, batch: int, paragraphs: list[str], questions: list[str], n_q: int) -> dict:
    """Paragraphs/s in wall time and per CPU-second of the process, query latency, and (when asked) vectors."""
    enc.encode(paragraphs[:64], batch)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    pv = enc.encode(paragraphs, batch)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    lat = []
    for q in questions[:n_q]:
        t0 = time.perf_counter()
        enc.encode([q], 1)
        lat.append((time.perf_counter() - t0) * 1000)
    return {"rate": len(paragraphs) / wall, "cpu_rate": len(paragraphs) / cpu, "lat": lat, "pv": pv}


def top10(pv: np.ndarray, qv: np.ndarray) -> np.ndarray:
    return np.argsort(-(qv @ pv.T), axis=1, kind="stable")[:, :10]


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(a, b, strict=True)]))


def line(name: str, m: dict, base: dict | None, agree: str, cos: str) -> str:
    ratio = m["cpu_rate"] / base["cpu_rate"] if base else 1.0
    return (
        f"{name:<14}{m['rate']:8.1f}{m['cpu_rate']:10.1f}{ratio:8.2f}{statistics.median(m['lat']):10.1f}"
        f"{pct(m['lat'], 95):8.1f}{agree:>13}{cos:>9}"
    )


def cold_loads(backends: list[str], runs: int = 2) -> None:
    """Wall time of a fresh process from start to its first query vector (imports and graph load included;
    the exported graph is already cached), the best of ``runs``."""
    code = (
        "import sys, time; t0 = time.perf_counter(); from index.embed.model import Embedder; "
        "e = Embedder('sentence-transformers/all-MiniLM-L6-v2', backend=sys.argv[1]); e.encode_query('warm'); print(time.perf_counter() - t0)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for backend in backends:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code, backend], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        print(f"cold start to the first query vector, {backend:<10} {min(times):5.1f} s (best of {runs})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=3000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument(
        "--threads", type=int, default=1, help="encoder threads (1: CPU time is the steady figure)"
    )
    ap.add_argument("--backends", nargs="*", default=list(VARIANTS))
    ap.add_argument("--cold", nargs="*", default=["torch", "onnx", "openvino"], help="backends to cold-start")
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"{SHARED} is missing: the benchmark reads the evaluation data by path.", file=sys.stderr)
        return 1
    paragraphs, questions = load_texts(args.paragraphs)
    path = resolve_model(DEFAULT_MODEL)
    print(
        f"{len(paragraphs)} paragraphs, {len(questions)} dev questions about them; {args.threads} encoder "
        f"thread(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    base_enc, _ = build("torch", path, args.threads)
    base = measure(base_enc, 64, paragraphs, questions, args.queries)
    ref_q = base_enc.encode(questions, 64)
    ref = top10(base["pv"], ref_q)
    del base_enc
    print(f"{'backend':<14}{'para/s':>8}{'per CPU-s':>10}{'× fp32':>8}{'query p50':>10}{'p95 ms':>8}", end="")
    print(f"{'top-10 agree':>13}{'min cos':>9}")
    print(line("torch fp32", base, None, "—", "—"), flush=True)
    for variant in args.backends:
        try:
            enc, batch = build(variant, path, args.threads)
        except Exception as exc:  # noqa: BLE001 - a backend that cannot start is a line of the report
            print(f"{variant:<14} cannot start: {exc}")
            continue
        m = measure(enc, batch, paragraphs, questions, args.queries)
        agree, cos = "(same)", ""
        if variant in NUMERIC:
            qv = enc.encode(questions, 64)
            agree = f"{agreement(top10(m['pv'], qv), ref):.4f}"
            cos = f"{min((m['pv'] * base['pv']).sum(1).min(), (qv * ref_q).sum(1).min()):.4f}"
        print(line(variant, m, base, agree, cos), flush=True)
        del enc
    cold_loads(args.cold)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
