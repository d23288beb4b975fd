"""Writing articles: prepare (identity, dedup, segmentation) -> embed -> one commit per article; and ``reindex``.

An article is embedded *before* its transaction and committed with its vectors, so a crash or a Ctrl-C leaves each
article either wholly searchable or not stored at all. Embedding happens outside any lock, in length-sorted batches
across articles (the model's throughput is what ingest costs); only the short commits hold SQLite's write lock, so
another process's ingest or question never waits for a model.

Identity: an article is its URL, else its record id, else where it came from, per server scope. The same identity
with the same text is "unchanged"; with new text, its paragraphs are replaced. The same (or nearly the same) text
under another identity is a syndicated copy: stored without paragraphs, shown as "also in".
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.embed.model import Embedder
from index.ingest.dedup import near_duplicate_of
from index.ingest.segment import is_caption, sentence_spans
from index.language import detect_language
from index.models import ArticleIn, IngestItem, IngestReport, IngestStatus
from index.store.articles import NewParagraph, Store
from index.store.health import is_store_failure
from index.text import checksum
from index.validate import now_iso

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Paragraphs embedded per model call: large enough for length-sorted batches, small enough for live progress and
# for a cancelled batch to lose little work.
EMBED_CHUNK = 1024


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


@dataclass
class Prepared:
    """An article ready to commit: who it is, what it duplicates (if anything), its paragraphs to embed."""

    item: ArticleIn
    key: str
    digest: str
    canonical: dict | None  # the article this one is a copy of
    paragraphs: list[NewParagraph] = field(default_factory=list)
    language: str | None = None  # given by the source, else identified (index/language.py)


def prepare(store: Store, item: ArticleIn, scope: str) -> Prepared | IngestItem:
    """Read-only checks before any embedding: unchanged articles and syndicated copies cost no model time."""
    key = article_key(item, scope)
    digest = content_hash(item.paragraphs)
    existing = store.article_row_by_key(key)
    if existing is not None and existing["content_hash"] == digest:
        return IngestItem(item.origin, IngestStatus.UNCHANGED, existing["id"], existing["title"])
    exclude = existing["id"] if existing is not None else ""
    prepared = Prepared(item, key, digest, find_canonical(store, item, digest, scope, exclude))
    prepared.language = item.language or detect_language("\n\n".join(item.paragraphs))
    if prepared.canonical is None:
        prepared.paragraphs = [
            NewParagraph(text, sentence_spans(text), is_caption(text), checksum(text), None)
            for text in item.paragraphs
        ]
    return prepared


def find_canonical(store: Store, item: ArticleIn, digest: str, scope: str, exclude: str) -> dict | None:
    """The indexed article this one is a copy of: the same text, else nearly the same (dedup.py)."""
    canonical = store.canonical_by_hash(digest, scope)
    if canonical is None:
        canonical = near_duplicate_of(store, item.paragraphs, item.date, scope, exclude_id=exclude)
    if canonical is None or canonical["id"] == exclude:
        return None
    return dict(canonical)


def commit(store: Store, p: Prepared, scope: str, model: str, dimension: int) -> IngestItem:
    """One transaction: the article row, its old paragraphs gone (tombstoned), the new ones with vectors."""
    item = p.item
    with store.transaction() as conn:
        existing = store.article_row_by_key(
            p.key
        )  # again, under the write lock: another process may have won
        if existing is not None and existing["content_hash"] == p.digest:
            return IngestItem(item.origin, IngestStatus.UNCHANGED, existing["id"], existing["title"])
        if p.canonical is None:  # an earlier article of the same batch, or another process, may have it now
            p.canonical = find_canonical(store, item, p.digest, scope, existing["id"] if existing else "")
        if existing is not None:
            article_id, status = existing["id"], IngestStatus.REPLACED
            store.delete_paragraphs(conn, article_id)
        else:
            wanted = item.external_id or _slug(
                item.title if not item.title_derived else Path(item.origin).stem
            )
            article_id, status = store.unique_article_id(wanted), IngestStatus.ADDED
        store.upsert_article(conn, _fields(p, article_id, scope))
        if p.canonical is None:
            store.insert_paragraphs(
                conn, article_id, item.title, item.title_derived, p.paragraphs, p.language
            )
        store.claim_model(conn, model, dimension)
        store.bump_version(conn)
    if p.canonical is not None:
        reason = f"same or nearly the same text as {p.canonical['id']} ({p.canonical['source']})"
        return IngestItem(item.origin, IngestStatus.DUPLICATE, article_id, item.title, reason)
    return IngestItem(item.origin, status, article_id, item.title)


def _fields(p: Prepared, article_id: str, scope: str) -> dict:
    item = p.item
    return {
        "id": article_id,
        "key": p.key,
        "title": item.title,
        "source": item.source,
        "date": item.date,
        "published_at": item.published_at,
        "url": item.url,
        "author": item.author,
        "scope": scope,
        "content_hash": p.digest,
        "duplicate_of": p.canonical["id"] if p.canonical is not None else None,
        "origin": item.origin,
        "title_derived": int(item.title_derived),
        "language": p.language,
        "n_paragraphs": 0 if p.canonical is not None else len(item.paragraphs),
        "ingested_at": now_iso(),
    }


class Ingestor:
    """Streams articles through prepare -> embed (batched across articles) -> commit, into one report."""

    def __init__(self, store: Store, embedder: Embedder, model: str, progress: Progress | None = None):
        self.store, self.embedder, self.model = store, embedder, model
        self.progress = progress
        self.report = IngestReport()
        self._batch: list[Prepared] = []
        self._pending = 0  # paragraphs waiting in the batch
        self._done = 0
        self._seen = 0

    def run(self, items: Iterable[ArticleIn | IngestItem], scope: str) -> IngestReport:
        for item in items:
            if isinstance(item, IngestItem):
                self.report.items.append(item)
                continue
            try:
                prepared = prepare(self.store, item, scope)
            except Exception as exc:  # noqa: BLE001 - one bad article must not stop the batch
                if is_store_failure(exc):
                    raise  # but a full disk or a damaged store stops it here (index.store.health)
                log.exception("preparing %s failed", item.origin)
                prepared = IngestItem(
                    item.origin, IngestStatus.FAILED, reason=f"could not be stored ({exc})."
                )
            if isinstance(prepared, IngestItem):
                self.report.items.append(prepared)
                continue
            self._batch.append(prepared)
            self._pending += len(prepared.paragraphs)
            self._seen += len(prepared.paragraphs)
            if self._pending >= EMBED_CHUNK:
                self._flush(scope)
        self._flush(scope)
        return self.report

    def _flush(self, scope: str) -> None:
        batch, self._batch, self._pending = self._batch, [], 0
        if not batch:
            return
        embedded = self._embed(batch)
        for p in batch:
            if p.canonical is None and not embedded:
                self.report.items.append(
                    IngestItem(p.item.origin, IngestStatus.FAILED, reason=self._embed_error)
                )
                continue
            try:
                self.report.items.append(commit(self.store, p, scope, self.model, self.embedder.dimension))
            except Exception as exc:  # noqa: BLE001 - reported per article, the rest goes on
                if is_store_failure(exc):
                    raise  # unless the store itself failed: every next article would fail the same way
                log.exception("storing %s failed", p.item.origin)
                self.report.items.append(
                    IngestItem(p.item.origin, IngestStatus.FAILED, reason=f"could not be stored ({exc}).")
                )

    def _embed(self, batch: list[Prepared]) -> bool:
        paras = [para for p in batch for para in p.paragraphs]
        if not paras:
            return True
        try:
            vecs = self.embedder.encode([para.text for para in paras], progress=self._tick)
        except Exception as exc:  # noqa: BLE001 - the batch is reported as failed, nothing half-stored
            log.exception("embedding %d paragraphs failed", len(paras))
            self._embed_error = f"could not be embedded ({type(exc).__name__}: {exc}); nothing was stored."
            return False
        for para, vec in zip(paras, vecs, strict=True):
            para.vector = vec
        return True

    def _tick(self, n: int) -> None:
        self._done += n
        if self.progress:
            self.progress(self._done, max(self._seen, self._done))

    _embed_error = ""


def reindex(store: Store, embedder: Embedder, model: str, progress: Progress | None = None) -> IngestReport:
    """Re-embed every stored paragraph into a side table (resumable, chunk by chunk, other writers interleave),
    then swap the vectors in with one transaction that also embeds what was ingested meanwhile."""
    if store.reindex_target() != model:
        store.start_reindex(model)
    todo = store.ids_to_reindex()
    total, done = store.paragraph_count(), store.paragraph_count() - len(todo)
    if progress:
        progress(done, total)
    failed: dict[str, str] = {}
    for i in range(0, len(todo), EMBED_CHUNK):
        chunk = todo[i : i + EMBED_CHUNK]
        texts = store.paragraph_texts(chunk)
        tick = batch_progress(progress, done, total)  # progress moves with every model batch, not every chunk
        try:
            vecs = embedder.encode([texts[int(pid)] for pid in chunk if int(pid) in texts], progress=tick)
        except Exception as exc:  # noqa: BLE001 - reported; the old vectors stay in service
            log.exception("reindex: embedding %d paragraphs failed", len(chunk))
            for aid in store.article_of(chunk.tolist()).values():
                failed.setdefault(aid, f"embedding failed ({type(exc).__name__}: {exc})")
            continue
        store.put_reindexed([int(pid) for pid in chunk if int(pid) in texts], vecs)
        done += len(chunk)
        if progress:
            progress(done, total)
    if not failed:
        store.finish_reindex(model, embedder.dimension, lambda texts: embedder.encode(texts))
    report = reindex_report(store.article_rows(), failed)
    log.info(
        "reindex: %d paragraphs, %d articles failed%s",
        total,
        len(failed),
        "" if not failed else "; the previous vectors stay in service",
    )
    return report


def batch_progress(progress: Progress | None, done: int, total: int) -> Callable[[int], None] | None:
    """``progress(done, total)`` advanced by each model batch of a chunk (``Embedder.encode``'s callback)."""
    if progress is None:
        return None
    count = done

    def tick(n: int) -> None:
        nonlocal count
        count += n
        progress(min(count, total), total)

    return tick


def reindex_report(rows: Iterable[sqlite3.Row], failed: dict[str, str]) -> IngestReport:
    """One item per article re-embedded: re-indexed, a syndicated copy (no paragraphs of its own), or failed."""
    report = IngestReport()
    for row in rows:
        origin = row["origin"] or row["id"]
        if row["duplicate_of"]:
            status, reason = IngestStatus.DUPLICATE, f"copy of {row['duplicate_of']}"
        elif row["id"] in failed:
            status, reason = IngestStatus.FAILED, failed[row["id"]]
        else:
            status, reason = IngestStatus.REINDEXED, None
        report.items.append(IngestItem(origin, status, row["id"], row["title"], reason))
    return report
