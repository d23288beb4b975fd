"""A server-private reindex: re-embed only the paragraphs of the articles a server uploaded itself.

The full ``reindex`` (``index.ingest``) rebuilds what every server shares and is for the bot's owner; any server's
admin may re-embed its own uploads. Only articles stored under the given server scopes are touched (never the
shared corpus, scope ``""``, nor another server's), with the model the store's vectors already come from (a model
change needs the full reindex, which the service checks first).

Paragraphs are embedded in chunks outside any lock, and each chunk's vectors are written in one transaction with a
tombstone per paragraph (``Store.replace_vectors``): paragraph ids stay the same, and every process's FAISS cache,
catching up from the store's tombstone sequence, drops the old vector and reads the new one. A stopped run leaves
every chunk either fully re-embedded or untouched (the old vectors stay valid and searchable); it is not resumed:
running it again re-embeds the server's paragraphs from the start, which for one server's uploads is short.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from index.embed import Embedder
from index.ingest import batch_progress, reindex_report
from index.models import IngestReport
from index.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Paragraphs per model call and per transaction: the same trade-off as ingest's chunks (index.ingest.EMBED_CHUNK),
# smaller so that a server's few hundred paragraphs still show progress.
CHUNK = 256


def reindex_private(
    store: Store, embedder: Embedder, scopes: Sequence[str], progress: Progress | None = None
) -> IngestReport:
    """Re-embed the paragraphs of the articles stored under ``scopes`` (``""`` ignored); one report item per
    article: re-indexed, a syndicated copy (it has no paragraphs of its own), or failed with the reason."""
    todo = store.private_paragraph_ids(scopes)
    total, done = len(todo), 0
    if progress:
        progress(0, total)
    failed: dict[str, str] = {}
    for i in range(0, total, CHUNK):
        chunk = [int(pid) for pid in todo[i : i + CHUNK]]
        texts = store.paragraph_texts(chunk)
        ids = [pid for pid in chunk if pid in texts]  # an article replaced meanwhile lost its old paragraphs
        try:
            vecs = embedder.encode(
                [texts[pid] for pid in ids], progress=batch_progress(progress, done, total)
            )
        except Exception as exc:  # noqa: BLE001 - reported per article; their previous vectors stay in service
            log.exception("server-private reindex: embedding %d paragraphs failed", len(ids))
            for aid in store.article_of(ids).values():
                failed.setdefault(aid, f"embedding failed ({type(exc).__name__}: {exc})")
        else:
            store.replace_vectors(ids, vecs)
        done += len(chunk)
        if progress:
            progress(done, total)
    report = reindex_report(store.private_article_rows(scopes), failed)
    log.info(
        "server-private reindex of %s: %d paragraphs of %d articles, %d failed",
        ",".join(s for s in scopes if s) or "(no server)",
        total,
        len(report.items),
        len(failed),
    )
    return report
