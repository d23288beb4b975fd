"""ANN by measurement (issue 24): three approximate FAISS indexes over one built scale data dir's stored vectors.

    python bench/bench_ann.py --size-dir /tmp/newsdesk-scale/n1000000 [--questions 100]

* ``IVF-SQ8``: what the vector cache builds past ``NEWSDESK_EXACT_MAX`` (``index.vectors.ivf.build_ivf``: nlist
  4·sqrt(n), nprobe calibrated at build for recall@10 >= 0.98 on perturbed stored vectors).
* ``HNSW-SQ8``: ``IndexHNSWSQ`` (M 32, 8-bit scalar quantised), efSearch raised until the same calibration holds.
* ``IVF-HNSW-SQ8``: IVF whose coarse quantiser is an HNSW graph over the centroids (``IVF{nlist}_HNSW32,SQ8``),
  4x the lists of IVF-SQ8 (``--ivf-hnsw-lists``: per sqrt(n); 4 gives IVF-SQ8's), nprobe calibrated the same way.
* ``IVF-PQfs``: IVF-SQ8's lists with 4-bit product-quantised codes scanned by FAISS's SIMD "fast scan"
  (``IVF{nlist},PQ{m}x4fs``, ``--pq-m`` sub-quantisers: m/2 bytes a vector instead of 384). Its codes are too coarse
  to rank alone, so each search takes ``--pq-candidates`` (100) and re-scores them with their exact vectors before
  the ``--refine`` step; nprobe is calibrated with that re-scoring in the loop. The size column counts the PQ index
  only: a product using it would also need the candidates' vectors (the store's, or an in-memory 8-bit copy, 384 B).

Each is then asked the real questions (embedded by the default model) under each filter kind of the scale bench
(as a FAISS ``IDSelectorBitmap`` from the product's filter fields, exactly as the cache searches): recall@10 against
an exact scan of the allowed stored vectors (plain set overlap, ties not counted as ``ivf.recall_at_10`` counts them),
search p50/p95, and the index's bytes per paragraph (serialised size). Each search takes ``--refine`` (30, as the
product) candidates and re-scores them with their exact vectors (``ivf.refine``; from memory here, from the store in
the product) before the first ten are compared. Not a test: nothing asserts a time, and a
shared machine's figures carry its load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import scale_common as sc  # noqa: E402
import scale_measure as meas  # noqa: E402

from index.config import configure_runtime  # noqa: E402
from index.embed.model import Embedder  # noqa: E402
from index.store.articles import Store  # noqa: E402
from index.vectors.facets import Facets  # noqa: E402
from index.vectors.faiss import SMALL_FILTER  # noqa: E402
from index.vectors.ivf import REFINE, TARGET_RECALL, build_ivf, exact_top, refine  # noqa: E402


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(
        np.mean(
            [
                len(set(f[f >= 0]) & set(e[e >= 0])) / max(1, (e >= 0).sum())
                for f, e in zip(found, exact, strict=True)
            ]
        )
    )


def _calibrate(search, qs: np.ndarray, exact: np.ndarray, start: int, limit: int) -> int:
    """The smallest power-of-two parameter whose recall@10 on perturbed stored vectors reaches the target."""
    p = start
    while p < limit and _recall(search(qs, p), exact) < TARGET_RECALL:
        p *= 2
    return min(p, limit)


def build(
    kind: str,
    ids: np.ndarray,
    vecs: np.ndarray,
    probe_qs: np.ndarray,
    probe_exact: np.ndarray,
    hnsw_lists: float = 16.0,
    fixed_nprobe: int | None = None,
    pq_m: int = 96,
    pq_candidates: int = 100,
    row_of: np.ndarray | None = None,
):
    """(index, parameter name, calibrated value, build seconds)."""
    t0 = time.perf_counter()
    d, n = vecs.shape[1], len(ids)
    if kind == "IVF-SQ8":
        index, _, nprobe = build_ivf(d, ids, vecs)
        return index, "nprobe", nprobe, time.perf_counter() - t0
    if kind == "HNSW-SQ8":
        base = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = 80
        base.train(vecs[np.random.default_rng(0).choice(n, min(n, 100_000), replace=False)])
        index = faiss.IndexIDMap2(base)
        index.add_with_ids(vecs, ids)

        def search(qs, ef):
            return index.search(qs, 10, params=faiss.SearchParametersHNSW(efSearch=ef))[1]

        ef = _calibrate(search, probe_qs, probe_exact, 16, 4096)
        return index, "efSearch", ef, time.perf_counter() - t0
    if kind == "IVF-PQfs":
        nlist = int(max(16, min(65536, 4 * np.sqrt(n))))  # IVF-SQ8's lists
        index = faiss.index_factory(d, f"IVF{nlist},PQ{pq_m}x4fs", faiss.METRIC_INNER_PRODUCT)
        index.train(vecs[np.random.default_rng(0).choice(n, min(n, 64 * nlist), replace=False)])
        index.add_with_ids(vecs, ids)

        def search(qs, nprobe):
            return pq_rescored(index, qs, nprobe, None, pq_candidates, vecs, row_of, 10)[1]

        nprobe = fixed_nprobe or _calibrate(search, probe_qs, probe_exact, 8, nlist)
        return index, "nprobe", nprobe, time.perf_counter() - t0
    nlist = int(min(65536, hnsw_lists * np.sqrt(n)))
    index = faiss.index_factory(d, f"IVF{nlist}_HNSW32,SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(vecs[np.random.default_rng(0).choice(n, min(n, 64 * nlist), replace=False)])
    index.add_with_ids(vecs, ids)

    def search(qs, nprobe):
        return index.search(qs, 10, params=ivf_hnsw_params(nprobe))[1]

    nprobe = fixed_nprobe or _calibrate(search, probe_qs, probe_exact, 8, nlist)
    return index, "nprobe", nprobe, time.perf_counter() - t0


def pq_rescored(index, qs, nprobe, sel, candidates, vecs, row_of, k):
    """IVF-PQfs search: ``candidates`` by the 4-bit codes, re-scored with their exact vectors; (scores, ids) of the
    best ``k`` per question, padded with -1."""
    scores, got = index.search(qs, candidates, params=faiss.SearchParametersIVF(nprobe=nprobe, sel=sel))
    out_s = np.full((len(qs), k), -np.inf, dtype=np.float32)
    out_i = np.full((len(qs), k), -1, dtype=np.int64)
    for j, (q, hits) in enumerate(zip(qs, got, strict=True)):
        hits = hits[hits >= 0]
        exact = vecs[row_of[hits]] @ q
        top = np.argsort(-exact, kind="stable")[:k]
        out_s[j, : len(top)], out_i[j, : len(top)] = exact[top], hits[top]
    return out_s, out_i


def params_for(kind: str, value: int, sel):
    if kind == "HNSW-SQ8":
        return faiss.SearchParametersHNSW(efSearch=value, sel=sel)
    if kind == "IVF-HNSW-SQ8":
        return ivf_hnsw_params(value, sel)
    return faiss.SearchParametersIVF(nprobe=value, sel=sel)


def ivf_hnsw_params(nprobe: int, sel=None):
    """IVF-HNSW-SQ8's search parameters: its HNSW coarse quantiser walks with efSearch 2 x nprobe (at least 64): with FAISS's
    default of 16 it cannot return the nprobe nearest lists, and no nprobe reaches the recall target (0.91 at 1M
    with every list probed)."""
    kwargs: dict = {"nprobe": nprobe}  # as constructor arguments, which FAISS's wrapper keeps alive
    if sel is not None:
        kwargs["sel"] = sel
    kwargs["quantizer_params"] = faiss.SearchParametersHNSW(efSearch=max(64, 2 * nprobe))
    return faiss.SearchParametersIVF(**kwargs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-dir", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("--kinds", nargs="+", default=["IVF-SQ8", "HNSW-SQ8", "IVF-HNSW-SQ8"])
    ap.add_argument("--json", type=Path)
    ap.add_argument(
        "--ivf-hnsw-nprobe",
        type=int,
        help="IVF-HNSW-SQ8 at this nprobe instead of the calibrated one (to compare at IVF-SQ8's nprobe)",
    )
    ap.add_argument(
        "--ivf-hnsw-lists",
        type=float,
        default=16.0,
        help="IVF-HNSW-SQ8's lists per sqrt(n) (default 16; 4 gives IVF-SQ8's lists, whose k-means fits 2 cores at 1M)",
    )
    ap.add_argument(
        "--refine",
        type=int,
        default=REFINE,
        help=f"re-score this many first candidates with their exact vectors, as the product does (default {REFINE}; 0: off)",
    )
    ap.add_argument(
        "--pq-m", type=int, default=96, help="IVF-PQfs: 4-bit sub-quantisers (m/2 bytes a vector)"
    )
    ap.add_argument(
        "--pq-candidates", type=int, default=100, help="IVF-PQfs: candidates re-scored with exact vectors"
    )
    args = ap.parse_args(argv)
    configure_runtime()
    dirs = sc.SizeDirs(args.size_dir)
    info = dirs.info()
    assert info is not None, f"{dirs.root} is not built"
    store = Store(dirs.data / "newsdesk.db")
    ids, vecs = store.vectors(store.paragraph_ids().tolist())
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    row_of = np.zeros(int(ids.max()) + 1, dtype=np.int64)
    row_of[ids] = np.arange(len(ids))
    facets = Facets()
    facets.set_articles(store.article_facet_rows())
    rows = store.query("SELECT id, article_id FROM paragraphs")
    facets.add_paragraphs(np.asarray([r[0] for r in rows]), [r[1] for r in rows])
    embedder = Embedder(sc.DEFAULT_MODEL, backend=sc.CURRENT_BACKEND)
    qs = np.vstack([embedder.encode_query(q) for q in sc.load_questions(args.questions)]).astype(np.float32)
    rng = np.random.default_rng(1)
    picks = rng.choice(len(vecs), size=200, replace=False)
    probe = vecs[picks] + rng.normal(0, 0.05, size=(200, vecs.shape[1])).astype(np.float32)
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    probe_exact = exact_top(probe, vecs, ids)
    filters = meas.filter_configs(info)
    exact = {}
    for name, f in filters.items():
        mask = facets.allowed(f).contains(ids) if name != "no filter" else np.ones(len(ids), dtype=bool)
        exact[name] = (mask, exact_top(qs, vecs[mask], ids[mask]))
    out = {
        "paragraphs": len(ids),
        "load_avg": meas.environment()["load_avg"],
        "vectors": info.get("vectors"),
        "kinds": {},
    }
    for kind in args.kinds:
        index, pname, value, build_s = build(
            kind,
            ids,
            vecs,
            probe,
            probe_exact,
            args.ivf_hnsw_lists,
            args.ivf_hnsw_nprobe,
            args.pq_m,
            args.pq_candidates,
            row_of,
        )
        size = len(faiss.serialize_index(index))
        res = {
            "param": f"{pname} {value}",
            "refine": args.refine,
            "build_s": build_s,
            "bytes_per_paragraph": size / len(ids),
            "filters": {},
        }
        for name, f in filters.items():
            allowed = facets.allowed(f) if name != "no filter" else None
            sel = allowed.selector() if allowed is not None else None
            found, times = [], []
            for q in qs:
                t0 = time.perf_counter()
                if kind == "IVF-PQfs":
                    scores, got = pq_rescored(
                        index,
                        q.reshape(1, -1),
                        value,
                        sel,
                        args.pq_candidates,
                        vecs,
                        row_of,
                        max(10, args.refine),
                    )
                else:
                    scores, got = index.search(
                        q.reshape(1, -1), max(10, args.refine), params=params_for(kind, value, sel)
                    )
                hits, scores = got[0], scores[0]
                if args.refine:  # the product re-scores from the store; here from the vectors in memory
                    keep = hits >= 0
                    hits, scores = hits[keep], scores[keep]
                    head = hits[: args.refine]
                    hits, scores = refine(q, hits, scores, (head, vecs[row_of[head]]), args.refine)
                times.append((time.perf_counter() - t0) * 1000)
                found.append(np.pad(hits[:10], (0, max(0, 10 - len(hits[:10]))), constant_values=-1))
            res["filters"][name] = {
                "allowed": int(exact[name][0].sum()),
                "recall": _recall(np.asarray(found), exact[name][1]),
                "p50_ms": meas.percentile(times, 50),
                "p95_ms": meas.percentile(times, 95),
            }
        out["kinds"][kind] = res
        print(
            f"{kind:<13} {res['param']:<14} build {build_s:6.0f} s  {res['bytes_per_paragraph']:6.0f} B/paragraph  "
            + "  ".join(
                f"{n}: recall {r['recall']:.3f}{'*' if r['allowed'] <= SMALL_FILTER else ''} p95 {r['p95_ms']:.1f} ms"
                for n, r in res["filters"].items()
            ),
            flush=True,
        )
        del index
    print(
        f"load average {meas.environment()['load_avg']} (shared machine: timings are not benchmark figures)"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
