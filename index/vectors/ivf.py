"""The approximate FAISS index: IVF with 8-bit scalar quantisation, and the calibration of its probes.

Past ``EXACT_MAX`` vectors a flat scan costs too much; ``IVF{nlist},SQ8`` keeps 384 bytes a vector instead of 1,536.
``nprobe`` is raised at build time until recall@10 against exact search, on stored vectors used as (perturbed)
queries, reaches ``TARGET_RECALL``.

The first ``REFINE`` candidates of every search are re-scored with their stored, unquantised vectors
(``refine``). Why: 8-bit codes cap recall below the target however many lists are probed. On 1M paragraphs
(real MiniLM vectors replicated with small perturbations) and 400 real NewsQA/RTQA questions, recall@10 was 0.958
at 256 probes and 0.978 at a full scan of all 4,000 lists, so the calibration climbed to the full scan (36-49 ms a
question); with the top 30 re-scored it is 0.980 at 256 probes and 0.985 at 512, for one read of 30 stored vectors
(~4-6 ms at 1M).

Why a floor on ``nprobe`` (``MIN_PROBE_SHARE``): perturbed stored vectors are far easier queries than questions.
On the same 1M vectors, with re-scoring, they reach 0.98 at 8 probes (at any perturbation that keeps their cosine
to the corpus near a question's), where 200 real NewsQA questions (top-1 cosine 0.60) give 0.796 at 8, 0.936 at
64, 0.967 at 128, 0.973 at 256 and 0.978 at 512. The calibration still raises ``nprobe`` above the floor when even
the easy queries need it.
"""

from __future__ import annotations

import faiss
import numpy as np

TARGET_RECALL = 0.98  # recall@10 against exact search, checked when the IVF index is built
REFINE = 30  # candidates of an approximate search re-scored with their stored vectors
MIN_PROBE_SHARE = 8  # at least one list in this many is probed, whatever the calibration says


def refine(
    q: np.ndarray,
    ids: np.ndarray,
    scores: np.ndarray,
    exact: tuple[np.ndarray, np.ndarray],
    head: int = REFINE,
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``head`` of ``ids`` (ranked by 8-bit scores) re-scored and re-ordered by ``exact`` = (ids, their
    unquantised vectors); the rest keep their order and 8-bit scores. An id without an exact vector (deleted since)
    keeps its 8-bit score."""
    head = min(head, len(ids))
    if not head:
        return ids, scores
    got = dict(zip(exact[0].tolist(), (exact[1] @ q).tolist(), strict=True))
    top = np.asarray([got.get(int(i), float(s)) for i, s in zip(ids[:head], scores[:head], strict=True)])
    order = np.argsort(-top, kind="stable")
    ids = np.concatenate([ids[:head][order], ids[head:]])
    return ids, np.concatenate([top[order].astype(np.float32), scores[head:]])


def build_ivf(dimension: int, ids: np.ndarray, vecs: np.ndarray) -> tuple[faiss.Index, int, int]:
    """(an IVF-SQ8 index over these vectors with their ids, its nlist, its calibrated nprobe)."""
    n = len(ids)
    nlist = int(max(16, min(65536, 4 * np.sqrt(n))))
    index = faiss.index_factory(dimension, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = vecs[rng.choice(n, size=min(n, 64 * nlist), replace=False)]
    index.train(sample)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vecs, ids)
    return index, nlist, calibrate_nprobe(index, vecs, ids, rng)


def ivf_ids(index: faiss.Index) -> np.ndarray:
    """Every id an IVF index holds, sorted."""
    invlists = faiss.extract_index_ivf(index).invlists
    parts = [
        faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
        for i in range(invlists.nlist)
        if invlists.list_size(i)
    ]
    return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)


def exact_top(
    qs: np.ndarray, vecs: np.ndarray, ids: np.ndarray, k: int = 10, chunk: int = 100_000
) -> np.ndarray:
    """Exact top-``k`` ids per query by inner product, scanning ``vecs`` in chunks (bounded memory)."""
    best_s = np.full((len(qs), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(qs), 0), dtype=np.int64)
    for i in range(0, len(vecs), chunk):
        s = qs @ vecs[i : i + chunk].T
        best_s = np.concatenate([best_s, s], axis=1)
        best_i = np.concatenate([best_i, np.broadcast_to(ids[i : i + chunk], s.shape)], axis=1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(best_s, keep, axis=1)
        best_i = np.take_along_axis(best_i, keep, axis=1)
    return best_i


def recall_at_10(
    index: faiss.Index, qs: np.ndarray, exact: np.ndarray, nprobe: int, vecs: np.ndarray, ids: np.ndarray
) -> float:
    """Recall@10 of the IVF search (its first ``REFINE`` re-scored exactly, as ``VectorIndex.search`` does) against
    exact search, counting ties: a found paragraph whose exact score is at least the exact 10th score is as good an
    answer as the one it displaced. Real corpora hold identical paragraphs (boilerplate, re-sent wire copy); 8-bit
    quantisation orders such twins arbitrarily, and counting them as misses would drive ``nprobe`` to a full scan
    for no better answer. ``ids`` must be sorted."""
    raw, found = index.search(qs, REFINE, params=faiss.SearchParametersIVF(nprobe=nprobe))
    for r in range(len(qs)):  # as a search does: the first candidates re-scored with their stored vectors
        keep = found[r] >= 0
        f = found[r][keep]
        refined, _ = refine(qs[r], f, raw[r][keep], (f, vecs[np.searchsorted(ids, f)]))
        found[r, : len(refined)] = refined
    rows = np.searchsorted(ids, exact)
    kth = np.einsum("qd,qkd->qk", qs, vecs[rows]).min(axis=1)  # the exact 10th score of each query
    hits = 0
    for q, f, tenth in zip(qs, found, kth, strict=True):
        f = f[f >= 0][:10]
        scores = vecs[np.searchsorted(ids, f)] @ q
        hits += min(10, int(np.sum(scores >= tenth - 1e-6)))
    return hits / (10 * len(qs))


def calibrate_nprobe(
    index: faiss.Index, vecs: np.ndarray, ids: np.ndarray, rng: np.random.Generator, queries: int = 200
) -> int:
    """The smallest power-of-two ``nprobe``, from the floor of one list in ``MIN_PROBE_SHARE``, whose recall@10
    against exact search reaches ``TARGET_RECALL`` on stored vectors used as queries (perturbed, so a vector does
    not simply find itself)."""
    if len(ids) > 1 and np.any(np.diff(ids) < 0):  # ids re-added after a replaced vector sit at the end
        order = np.argsort(ids, kind="stable")
        ids, vecs = ids[order], vecs[order]
    picks = rng.choice(len(vecs), size=min(queries, len(vecs)), replace=False)
    qs = vecs[picks] + rng.normal(0, 0.05, size=(len(picks), vecs.shape[1])).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    exact = exact_top(qs, vecs, ids)
    nlist = faiss.extract_index_ivf(index).nlist
    nprobe = 8
    while nprobe * MIN_PROBE_SHARE < nlist:  # the floor real questions need (the module's docstring)
        nprobe *= 2
    while nprobe < nlist and recall_at_10(index, qs, exact, nprobe, vecs, ids) < TARGET_RECALL:
        nprobe *= 2
    return min(nprobe, nlist)
