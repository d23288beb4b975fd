"""The ``Newsdesk`` facade: the one API every front end (CLI, terminal session, Discord bot) calls.

Synchronous and thread-safe: one writer at a time (ingest, reindex, repair hold ``_write_lock``), any number of
readers. Plain dataclasses out; rendering is the front end's job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import CoreSettings
from index.dedup import near_duplicate_of
from index.embed import Embedder
from index.extract import ExtractError, articles_from_bytes, iter_files
from index.lexical import LexicalIndex, tokenize
from index.models import (
    Answer,
    Article,
    ArticleIn,
    Filters,
    IngestItem,
    IngestReport,
    Paragraph,
    SourceStats,
    Stats,
)
from index.quotes import checksum
from index.search import build_answer, retrieve
from index.segment import is_caption, sentence_spans
from index.store import Store
from index.validate import MAX_K, MAX_QUESTION_CHARS, now_iso
from index.vectors import ModelMismatch, VectorIndex

if TYPE_CHECKING:
    from index.models import Briefing

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EMBED_CHUNK = 2048  # paragraphs embedded per call: large enough for length-sorted batches, small for progress


def article_key(item: ArticleIn, scope: str) -> str:
    """Identity of an article for idempotent ingest: its URL, else its record id, else where it came from."""
    if item.url:
        ident = "url:" + item.url.strip()
    elif item.external_id:
        ident = "id:" + item.external_id
    else:
        ident = "origin:" + item.origin
    return f"{scope}|{ident}"


def content_hash(paragraphs: list[str]) -> str:
    return hashlib.sha256("\n\n".join(paragraphs).encode("utf-8")).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "article"


class Newsdesk:
    def __init__(self, settings: CoreSettings | None = None, embedder: Embedder | None = None):
        self.settings = settings or CoreSettings()
        self.data_dir = Path(self.settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / "newsdesk.db")
        self.embedder = embedder or Embedder(self.settings.model, self.settings.batch_size)
        self.lexical = LexicalIndex()
        self._write_lock = threading.RLock()
        self._lexical_lock = threading.Lock()
        self._vectors: VectorIndex | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: CoreSettings | None = None, embedder: Embedder | None = None) -> Newsdesk:
        """Open the data dir, load the index, check it against the store and repair what a crash left."""
        desk = cls(settings, embedder)
        desk.repair()
        return desk

    def close(self) -> None:
        self.store.close()

    @property
    def vector_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def vectors(self) -> VectorIndex:
        if self._vectors is None:
            with self._write_lock:
                if self._vectors is None:
                    self._vectors = VectorIndex.load(
                        self.vector_dir, self.embedder.dimension, self.settings.model
                    )
        return self._vectors

    def repair(self) -> dict[str, int]:
        """Make the vector index match the store: embed missing paragraphs, drop orphaned vectors."""
        with self._write_lock:
            vectors = self.vectors
            stored = self.store.paragraph_ids()
            indexed = vectors.ids()
            missing = np.setdiff1d(stored, indexed)
            orphaned = np.setdiff1d(indexed, stored)
            if len(orphaned):
                vectors.remove(orphaned)
            if len(missing):
                self._embed_ids(missing)
            if len(missing) or len(orphaned) or not (self.vector_dir / "manifest.json").exists():
                vectors.save(self.vector_dir)
            if len(missing) or len(orphaned):
                log.warning(
                    "index repaired: %d paragraphs embedded, %d orphaned vectors dropped",
                    len(missing),
                    len(orphaned),
                )
            return {"embedded": int(len(missing)), "dropped": int(len(orphaned))}

    # -- ingest -------------------------------------------------------------------------------------------------
    def ingest_paths(
        self, paths: list[Path], scope: str = "", progress: Progress | None = None
    ) -> IngestReport:
        report = IngestReport()

        def items() -> Iterable[ArticleIn | IngestItem]:
            for path in iter_files([Path(p) for p in paths]):
                try:
                    if not path.exists():
                        raise ExtractError(f"{path} does not exist.")
                    if path.stat().st_size > 20 * 1024 * 1024:
                        raise ExtractError(
                            f"{path} is {path.stat().st_size // 2**20} MB, over the 20 MB limit."
                        )
                    data = path.read_bytes()
                    yield from self._extracted(articles_from_bytes(data, str(path)), str(path))
                except ExtractError as exc:
                    yield IngestItem(str(path), "failed", reason=str(exc))
                except OSError as exc:
                    yield IngestItem(
                        str(path), "failed", reason=f"{path} could not be read ({exc.strerror})."
                    )

        report.merge(self.ingest_articles(items(), scope, progress))
        return report

    def ingest_bytes(self, name: str, data: bytes, scope: str = "", meta: dict | None = None) -> IngestReport:
        """A file's bytes (e.g. a Discord attachment); never raises for bad content, it reports it."""

        def items() -> Iterable[ArticleIn | IngestItem]:
            try:
                yield from self._extracted(articles_from_bytes(data, name, meta), name)
            except ExtractError as exc:
                yield IngestItem(name, "failed", reason=str(exc))

        return self.ingest_articles(items(), scope)

    @staticmethod
    def _extracted(results, origin: str) -> Iterable[ArticleIn | IngestItem]:
        for result in results:
            if isinstance(result, ExtractError):
                yield IngestItem(origin, "failed", reason=str(result))
            else:
                yield result

    def ingest_articles(
        self, items: Iterable[ArticleIn | IngestItem], scope: str = "", progress: Progress | None = None
    ) -> IngestReport:
        """Store each article (one transaction each), then embed and index the new paragraphs in batches."""
        report = IngestReport()
        with self._write_lock:
            vectors = self.vectors
            pending: list[int] = []
            removed: list[int] = []
            for item in items:
                if isinstance(item, IngestItem):
                    report.items.append(item)
                    continue
                try:
                    result, new_ids, old_ids = self._store_article(item, scope)
                except Exception as exc:  # noqa: BLE001 - one bad article must not stop the batch
                    log.exception("storing %s failed", item.origin)
                    result = IngestItem(item.origin, "failed", reason=f"could not be stored ({exc}).")
                    new_ids, old_ids = [], []
                report.items.append(result)
                pending.extend(new_ids)
                removed.extend(old_ids)
            if removed:
                vectors.remove(removed)
            if pending:
                failed = self._embed_ids(np.asarray(pending, dtype=np.int64), progress)
                if failed:
                    self._mark_unembedded(report, failed)
            if pending or removed:
                vectors.save(self.vector_dir)
        return report

    def _mark_unembedded(self, report: IngestReport, failed: dict[int, str]) -> None:
        """Articles stored but not embedded: reported as failed; the start-up repair embeds them later."""
        articles = {p.article_id: failed[p.id] for p in self.store.paragraphs(list(failed)).values()}
        for item in report.items:
            if item.article_id in articles and item.status in ("added", "replaced"):
                item.status = "failed"
                item.reason = f"{item.origin}: stored but not searchable yet, {articles[item.article_id]}"

    def _store_article(self, item: ArticleIn, scope: str) -> tuple[IngestItem, list[int], list[int]]:
        key = article_key(item, scope)
        digest = content_hash(item.paragraphs)
        existing = self.store.article_row_by_key(key)
        if existing is not None and existing["content_hash"] == digest:
            return IngestItem(item.origin, "unchanged", existing["id"], existing["title"]), [], []
        with self.store.transaction() as conn:
            old_ids: list[int] = []
            if existing is not None:
                article_id = existing["id"]
                old_ids = [
                    r[0] for r in conn.execute("SELECT id FROM paragraphs WHERE article_id=?", (article_id,))
                ]
                conn.execute("DELETE FROM paragraphs WHERE article_id=?", (article_id,))
                status = "replaced"
            else:
                wanted = item.external_id or _slug(
                    item.title if not item.title_derived else Path(item.origin).stem
                )
                article_id = self.store.unique_article_id(wanted)
                status = "added"
            canonical = self.store.canonical_by_hash(digest, scope)
            if canonical is None:
                canonical = near_duplicate_of(
                    self.store, item.paragraphs, item.date, scope, exclude_id=article_id
                )
            if canonical is not None and canonical["id"] == article_id:
                canonical = None
            fields = {
                "id": article_id,
                "key": key,
                "title": item.title,
                "source": item.source,
                "date": item.date,
                "published_at": item.published_at,
                "url": item.url,
                "author": item.author,
                "scope": scope,
                "content_hash": digest,
                "duplicate_of": canonical["id"] if canonical is not None else None,
                "origin": item.origin,
                "title_derived": int(item.title_derived),
                "n_paragraphs": 0 if canonical is not None else len(item.paragraphs),
                "ingested_at": now_iso(),
            }
            cols = ", ".join(fields)
            marks = ", ".join(f":{c}" for c in fields)
            updates = ", ".join(f"{c}=excluded.{c}" for c in fields if c not in ("id", "key", "ingested_at"))
            conn.execute(
                f"INSERT INTO articles({cols}) VALUES({marks}) ON CONFLICT(key) DO UPDATE SET {updates}",
                fields,
            )
            new_ids: list[int] = []
            if canonical is None:
                for n, text in enumerate(item.paragraphs, 1):
                    cur = conn.execute(
                        "INSERT INTO paragraphs(article_id, ordinal, text, sentences, caption, checksum) "
                        "VALUES(?, ?, ?, ?, ?, ?)",
                        (
                            article_id,
                            n,
                            text,
                            json.dumps(sentence_spans(text)),
                            int(is_caption(text)),
                            checksum(text),
                        ),
                    )
                    new_ids.append(int(cur.lastrowid))
            self.store.bump_version(conn)
        if canonical is not None:
            reason = f"same or nearly the same text as {canonical['id']} ({canonical['source']})"
            return IngestItem(item.origin, "duplicate", article_id, item.title, reason), [], old_ids
        return IngestItem(item.origin, status, article_id, item.title), new_ids, old_ids

    def passage_text(self, row) -> str:
        """What is embedded for a paragraph: the paragraph itself (see README, retrieval quality)."""
        return row["text"]

    def _embed_ids(
        self, ids: np.ndarray, progress: Progress | None = None, into: VectorIndex | None = None
    ) -> dict[int, str]:
        """Embed these stored paragraphs into ``into`` (default: the live index) in length-sorted chunks.

        Returns the ids that could not be embedded with the reason; the others are added whatever happens.
        """
        target = into if into is not None else self.vectors
        total, done = len(ids), 0
        failed: dict[int, str] = {}
        buf_ids: list[int] = []
        buf_text: list[str] = []

        def flush() -> None:
            nonlocal done
            if not buf_ids:
                return
            try:
                vecs = self.embedder.encode(buf_text)
                target.add(np.asarray(buf_ids, dtype=np.int64), vecs)
            except Exception as exc:  # noqa: BLE001 - reported per paragraph, the rest goes on
                log.exception("embedding %d paragraphs failed", len(buf_ids))
                failed.update(dict.fromkeys(buf_ids, f"embedding failed ({type(exc).__name__}: {exc})"))
            done += len(buf_ids)
            buf_ids.clear()
            buf_text.clear()
            if progress:
                progress(done, total)

        for rows in self.store.iter_passages(ids.tolist() if ids is not None else None):
            for row in rows:
                buf_ids.append(int(row["id"]))
                buf_text.append(self.passage_text(row))
                if len(buf_ids) >= EMBED_CHUNK:
                    flush()
        flush()
        return failed

    def reindex(self, progress: Progress | None = None) -> IngestReport:
        """Re-embed every stored paragraph into a new index built aside; the old one answers until the swap.

        Articles whose paragraphs could not all be embedded are reported as failed, and then nothing is swapped:
        the old index stays in service, so no article is lost from search.
        """
        with self._write_lock:
            ids = self.store.paragraph_ids()
            fresh = VectorIndex(self.embedder.dimension, self.settings.model)
            if progress:
                progress(0, len(ids))
            failed = self._embed_ids(ids, progress, into=fresh)
            failed_articles: dict[str, str] = {}
            if failed:
                for para in self.store.paragraphs(list(failed)).values():
                    failed_articles.setdefault(para.article_id, failed[para.id])
            else:
                fresh.save(self.vector_dir)
                self._vectors = fresh
            report = IngestReport()
            for row in self.store.query(
                "SELECT id, title, origin, duplicate_of FROM articles ORDER BY rowid"
            ):
                origin = row["origin"] or row["id"]
                if row["duplicate_of"]:
                    item = IngestItem(
                        origin, "duplicate", row["id"], row["title"], f"copy of {row['duplicate_of']}"
                    )
                elif row["id"] in failed_articles:
                    item = IngestItem(origin, "failed", row["id"], row["title"], failed_articles[row["id"]])
                else:
                    item = IngestItem(origin, "replaced", row["id"], row["title"])
                report.items.append(item)
            log.info(
                "reindex: %d paragraphs, %d articles failed%s",
                len(ids),
                len(failed_articles),
                "" if not failed else "; the previous index stays in service",
            )
            return report

    # -- questions ----------------------------------------------------------------------------------------------
    def _fresh_lexical(self) -> LexicalIndex:
        version = self.store.version
        if self.lexical.version != version:
            with self._lexical_lock:
                if self.lexical.version != version:
                    rows = (
                        # A derived title is the first sentence again: it would count the lead twice.
                        (
                            int(r["id"]),
                            r["text"] if r["title_derived"] else f"{r['title']}\n{r['text']}",
                            r["article_id"],
                        )
                        for batch in self.store.iter_passages()
                        for r in batch
                    )
                    self.lexical.rebuild(rows, version)
        return self.lexical

    def ask(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        offset: int = 0,
        per_article: int | None = None,
        method: str = "hybrid",
    ) -> Answer:
        question = " ".join(question.split())
        if not question:
            raise ValueError("The question is empty: ask something about the news.")
        if len(question) > MAX_QUESTION_CHARS:
            raise ValueError("The question is over 1,000 characters: ask it in fewer words.")
        k = max(1, min(int(k), MAX_K))
        filters = filters or Filters()
        per_article = self.settings.per_article_cap if per_article is None else per_article
        lexical = self._fresh_lexical()
        allowed = self.store.allowed_paragraph_ids(filters)
        q_tokens = tokenize([question])[0]
        q_vec = self.embedder.encode_query(question)
        cands = retrieve(q_vec, q_tokens, self.vectors, lexical, allowed, method=method)
        searched = {
            "paragraphs": int(len(allowed)) if allowed is not None else len(self.vectors),
            "filters": filters.describe(),
        }
        return build_answer(
            question, cands, self.store, lexical, q_tokens, k, offset, per_article, filters, searched, method
        )

    def context(self, paragraph_id: int, before: int = 1, after: int = 1) -> tuple[Article, list[Paragraph]]:
        """A paragraph with its neighbours (the bot's "Full paragraph")."""
        para = self.store.paragraphs([paragraph_id]).get(paragraph_id)
        if para is None:
            raise KeyError(f"paragraph {paragraph_id} is no longer in the index")
        article = self.store.article(para.article_id)
        assert article is not None
        around = [
            p
            for p in self.store.article_paragraphs(para.article_id)
            if para.ordinal - before <= p.ordinal <= para.ordinal + after
        ]
        return article, around

    def briefing(
        self,
        date: str | None = None,
        topic: str | None = None,
        sources: list[str] | None = None,
        top: int = 8,
        scopes: tuple[str, ...] | None = None,
    ) -> Briefing:
        from index.briefing.stories import build_briefing

        return build_briefing(self, date=date, topic=topic, sources=sources, top=top, scopes=scopes)

    # -- summaries ----------------------------------------------------------------------------------------------
    def sources(self, scopes: tuple[str, ...] | None = None) -> list[SourceStats]:
        return self.store.sources(scopes)

    def stats(self) -> Stats:
        counts = self.store.counts()
        return Stats(
            articles=counts["articles"],
            paragraphs=counts["paragraphs"],
            vectors=len(self.vectors),
            duplicates=counts["duplicates"],
            sources=counts["sources"],
            model=self.settings.model,
            dimension=self.vectors.dimension,
            data_dir=str(self.data_dir),
        )


__all__ = ["Newsdesk", "ModelMismatch"]
