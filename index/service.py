"""The ``Newsdesk`` facade: the one API every front end (CLI, terminal session, Discord bot) calls.

Synchronous and thread-safe. The store (SQLite) is the only truth: an article is embedded first and then committed
with its paragraphs, spans, checksums, vectors and lexical terms in one transaction, so nothing is ever "stored but
not searchable". The FAISS index is a cache derived from the store that every process catches up from the store's
position before it searches (``VectorIndex.catch_up``); the lexical index lives inside the store. Several processes
may share one data dir: SQLite serialises the writers, and nothing is re-embedded outside ``reindex``.

The embedding model loads only when something is embedded (``ask``, ingest, ``reindex``): ``stats``, ``sources``
and briefings never load it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from index.answer import Request, build_answer
from index.config import CoreSettings
from index.embed import Embedder
from index.encoders import backend_of
from index.extract import ExtractError, articles_from_bytes, iter_files
from index.facets import Allowed, filtered
from index.ingest import Ingestor, reindex
from index.lexical import LexicalIndex, tokenize
from index.models import (
    Answer,
    Article,
    ArticleIn,
    Briefing,
    Filters,
    IngestItem,
    IngestReport,
    IngestStatus,
    Paragraph,
    SourceStats,
    Stats,
    VectorBackendError,
)
from index.reindex_private import reindex_private
from index.render import say
from index.search import Candidate, Query, Sources, retrieve
from index.store import Store
from index.timeline import DEFAULT_TIMELINE_K, Timeline, timeline_from
from index.validate import MAX_K, MAX_OFFSET, MAX_QUESTION_CHARS, check_int
from index.vectors import ModelMismatch, VectorIndex
from index.who_said import MAX_STATEMENTS, SpeakerQuotes, catch_up, statements_by, topic_of

if TYPE_CHECKING:
    from index.briefing.chart import BriefingChart
    from index.vectors_milvus import MilvusIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
MAX_FILE_BYTES = 20 * 1024 * 1024  # one file to ingest; a bigger one is refused with its size


class Newsdesk:
    def __init__(self, settings: CoreSettings | None = None, embedder: Embedder | None = None):
        self.settings = settings or CoreSettings()
        self.data_dir = Path(self.settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / "newsdesk.db")
        self._embedder = embedder
        self.lexical = LexicalIndex(self.store, self.settings.lexical_max_df, self.settings.lexical_max_terms)
        self._write_lock = threading.RLock()
        self._vectors_lock = threading.Lock()
        self._vectors: VectorIndex | MilvusIndex | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: CoreSettings | None = None, embedder: Embedder | None = None) -> Newsdesk:
        """Open the data dir (migrating its schema when needed). Loads neither the model nor the vector cache."""
        desk = cls(settings, embedder)
        desk._upgrade_legacy_vectors()
        return desk

    def close(self) -> None:
        self.store.close()

    @property
    def embedder(self) -> Embedder:
        """The model, created on first use (``stats``, ``sources`` and briefings never need it)."""
        if self._embedder is None:
            stored, _ = self.store.model_identity()
            self._embedder = Embedder(
                self.settings.model,
                self.settings.batch_size,
                self.settings.encoder_backend,
                prefer=backend_of(stored),
            )
        return self._embedder

    @property
    def vector_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def vectors(self) -> VectorIndex:
        """The FAISS cache (or the Milvus collection), caught up with the store (another process's articles
        included)."""
        self._check_model()
        if self.settings.vector_backend != "faiss":
            return self._milvus_vectors()  # type: ignore[return-value]  # the same search/len interface
        with self._vectors_lock:
            model, dimension = self.store.model_identity()
            epoch = self.store.epoch()
            vi = self._vectors
            if vi is None or vi.position.epoch != epoch:
                vi = VectorIndex.open(
                    self.vector_dir,
                    self.store,
                    dimension or self.embedder.dimension,
                    self.settings.model,
                    epoch,
                )
                self._vectors = vi
            elif vi.head() != self.store.head():
                vi.catch_up(self.store)
                if not vi.approximate and len(vi) > vi.exact_max:
                    vi.build_approximate(self.store)
                    vi.save(self.vector_dir)
                else:
                    vi.save_if_due(self.vector_dir)
            return vi

    def _milvus_vectors(self) -> MilvusIndex:
        """NEWSDESK_VECTOR_BACKEND=milvus: the collection of the store's epoch, caught up with the store."""
        from index.vectors_milvus import (  # pymilvus loads only for this backend
            MilvusConfig,
            MilvusIndex,
            consistency_level,
        )

        if self.settings.vector_backend != "milvus":
            raise VectorBackendError(say("milvus_bad_backend", name=self.settings.vector_backend))
        with self._vectors_lock:
            model, dimension = self.store.model_identity()
            epoch = self.store.epoch()
            mi = self._vectors
            if not isinstance(mi, MilvusIndex) or mi.position.epoch != epoch or not mi.healthy:
                uri = self.settings.milvus_uri or str(self.data_dir / "milvus.db")
                config = MilvusConfig(
                    uri,
                    self.settings.milvus_token,
                    self.settings.milvus_collection,
                    self.settings.exact_max,
                    consistency=consistency_level(self.settings.milvus_consistency),
                )
                dim = dimension or self.embedder.dimension
                client = mi.client if isinstance(mi, MilvusIndex) and mi.healthy else None
                try:
                    mi = MilvusIndex.open(config, self.store, dim, self.settings.model, epoch, client)
                except VectorBackendError as exc:
                    if isinstance(mi, MilvusIndex) and not mi.healthy:  # it answered before: an outage
                        raise VectorBackendError(say("milvus_unavailable")) from exc
                    raise
                self._vectors = mi
            elif (mi.position.last_id, mi.position.tomb_seq) != self.store.positions():
                mi.catch_up(self.store)
            return mi

    def _check_model(self) -> None:
        model, dimension = self.store.model_identity()
        if model is not None and model != self.embedder.identity:
            raise ModelMismatch(
                f"The index in {self.data_dir} was built with model {model!r} ({dimension} dims) but the "
                f"configured model is {self.embedder.identity!r}: run `newsdesk reindex` to rebuild it."
            )

    def _upgrade_legacy_vectors(self) -> None:
        """A data dir from before the store held vectors: take them from its FAISS file, once."""
        legacy = self.vector_dir / "vectors.faiss"
        if not legacy.exists():
            return
        with self._write_lock:
            from index.legacy import import_legacy_vectors

            import_legacy_vectors(self.store, self.vector_dir, self.settings.model)

    # -- ingest -------------------------------------------------------------------------------------------------
    def ingest_paths(
        self, paths: list[Path], scope: str = "", progress: Progress | None = None
    ) -> IngestReport:
        def items() -> Iterable[ArticleIn | IngestItem]:
            for path in iter_files([Path(p) for p in paths]):
                try:
                    if not path.exists():
                        raise ExtractError(f"{path} does not exist.")
                    size = path.stat().st_size
                    if size > MAX_FILE_BYTES:
                        raise ExtractError(f"{path} is {size // 2**20} MB, over the 20 MB limit.")
                    yield from self._extracted(articles_from_bytes(path.read_bytes(), str(path)), str(path))
                except ExtractError as exc:
                    yield IngestItem(str(path), IngestStatus.FAILED, reason=str(exc))
                except OSError as exc:
                    reason = f"{path} could not be read ({exc.strerror})."
                    yield IngestItem(str(path), IngestStatus.FAILED, reason=reason)

        return self.ingest_articles(items(), scope, progress)

    def ingest_bytes(self, name: str, data: bytes, scope: str = "", meta: dict | None = None) -> IngestReport:
        """A file's bytes (e.g. a Discord attachment); never raises for bad content, it reports it."""

        def items() -> Iterable[ArticleIn | IngestItem]:
            try:
                yield from self._extracted(articles_from_bytes(data, name, meta), name)
            except ExtractError as exc:
                yield IngestItem(name, IngestStatus.FAILED, reason=str(exc))

        return self.ingest_articles(items(), scope)

    @staticmethod
    def _extracted(results, origin: str) -> Iterable[ArticleIn | IngestItem]:
        for result in results:
            if isinstance(result, ExtractError):
                yield IngestItem(origin, IngestStatus.FAILED, reason=str(result))
            else:
                yield result

    def ingest_articles(
        self, items: Iterable[ArticleIn | IngestItem], scope: str = "", progress: Progress | None = None
    ) -> IngestReport:
        """Embed each article, then commit it with its vectors (one transaction each); see ``index.ingest``."""
        self._check_model()
        with self._write_lock:
            return Ingestor(self.store, self.embedder, self.embedder.identity, progress).run(items, scope)

    def reindex(
        self, progress: Progress | None = None, scopes: tuple[str, ...] | None = None
    ) -> IngestReport:
        """Re-embed every stored paragraph aside, then swap all vectors at once; articles ingested meanwhile by
        other processes are kept (and embedded with the new model inside the swap). Resumes if interrupted.

        With ``scopes``: only the articles private to those servers (``""``, the shared corpus, is never touched),
        with the model the store already uses, chunk by chunk in place (``index.reindex_private``)."""
        if scopes is not None:
            self._check_model()
            with self._write_lock:
                return reindex_private(self.store, self.embedder, scopes, progress)
        with self._write_lock:
            report = reindex(self.store, self.embedder, self.embedder.identity, progress)
            self._vectors = None  # the next search rebuilds the cache from the new vectors
            return report

    # -- questions ----------------------------------------------------------------------------------------------
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
        k = check_int(int(k), "k", 1, MAX_K)
        offset = check_int(int(offset), "offset", 0, MAX_OFFSET)
        per_article = self.settings.per_article_cap if per_article is None else per_article
        per_article = check_int(int(per_article), "per_article", 0)
        filters = filters or Filters()
        vectors = self.vectors
        allowed = self._allowed(vectors, filters)
        tokens = tokenize([question])[0]
        query = Query(tokens, self.embedder.encode_query(question), filters, allowed)
        cands = self._retrieve(vectors, query, method)
        searched: dict = {"filters": filters.describe()}
        counted = filtered(filters) and allowed is None  # Milvus filtered inside the engine
        if not counted:
            searched["paragraphs"] = allowed.count if allowed is not None else self.lexical.size()
        request = Request(
            question, self.lexical.weights(tokens), k, offset, per_article, filters.scopes, method
        )
        answer = build_answer(cands, self.store, request, searched)
        if counted and answer.no_answer:  # the honest no-answer says how much was searched: count it in SQL
            answer.searched["paragraphs"] = self.store.allowed_count(filters)
        return answer

    def rank(self, question: str, method: str, n: int = 10, filters: Filters | None = None) -> list[int]:
        """Paragraph ids ranked by one bare retrieval method (``hybrid``, ``rrf``, ``dense``, ``bm25``), without the
        answer stage: what the evaluation compares Newsdesk's quotes against."""
        filters = filters or Filters()
        vectors = self.vectors
        query = Query(
            tokenize([question])[0],
            self.embedder.encode_query(question),
            filters,
            self._allowed(vectors, filters),
        )
        cands = self._retrieve(vectors, query, method, n=n)
        return [c.pid for c in cands[:n]]

    def _retrieve(self, vectors: VectorIndex, query: Query, method: str, **kw: int) -> list[Candidate]:
        """``retrieve`` over ``vectors``. When Milvus fails because another process's ``reindex`` switched to a
        new collection (and dropped this one) between this process's epoch check and its search, once more on
        the new epoch's collection: the question is answered, not turned into an outage sentence."""
        try:
            return retrieve(query, Sources(vectors, self.lexical, self.store), method=method, **kw)
        except VectorBackendError:
            if isinstance(vectors, VectorIndex) or vectors.position.epoch == self.store.epoch():
                raise
            log.info("the vector epoch changed under the search: searching the new epoch's collection")
            return retrieve(query, Sources(self.vectors, self.lexical, self.store), method=method, **kw)

    @staticmethod
    def _allowed(vectors: VectorIndex, filters: Filters) -> Allowed | None:
        """The FAISS cache's bitmap of what ``filters`` allow; None for Milvus, which filters inside the engine."""
        return vectors.allowed(filters) if isinstance(vectors, VectorIndex) else None

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
        from index.briefing import build_briefing  # scipy and the briefing load only for a briefing

        return build_briefing(self, date=date, topic=topic, sources=sources, top=top, scopes=scopes)

    def briefing_chart(self, b: Briefing) -> BriefingChart | None:
        """The briefing's chart (PNG and its text alternative); None when it has no stories. CPU-bound: front ends
        with an event loop call it in a worker thread."""
        from index.briefing.chart import briefing_chart  # matplotlib loads only for a chart

        return briefing_chart(self.store, b)

    # -- summaries ----------------------------------------------------------------------------------------------
    def sources(self, scopes: tuple[str, ...] | None = None) -> list[SourceStats]:
        return self.store.sources(scopes)

    def stats(self, scopes: tuple[str, ...] | None = None) -> Stats:
        """What the store holds (only what ``scopes`` can see, when given); loads neither model nor cache."""
        counts = self.store.counts(scopes)
        model, dimension = self.store.model_identity()
        return Stats(
            articles=counts["articles"],
            paragraphs=counts["paragraphs"],
            vectors=counts["vectors"],
            duplicates=counts["duplicates"],
            sources=counts["sources"],
            model=model or self.settings.model,
            dimension=dimension or 0,
            data_dir=str(self.data_dir),
        )

    # -- timeline answers and who-said-what (issue 12, i12quotes) ------------------------------------------------
    def timeline(
        self,
        question: str,
        k: int = DEFAULT_TIMELINE_K,
        filters: Filters | None = None,
        per_article: int = 1,
    ) -> Timeline:
        """The passages answering ``question`` in date order, oldest first, undated ones apart (index.timeline).

        The passages are ``ask``'s (same retrieval, filters, scopes, relevance bar, verification and collapsed
        copies) with a larger ``k``; one passage per article by default, so each line is one report of the story.
        """
        return timeline_from(self.ask(question, k=k, filters=filters, per_article=per_article))

    def speakers_catch_up(self) -> int:
        """Read the articles stored since the last call for who said what (the first call backfills an existing
        index); returns how many were read. Incremental, so cheap when nothing is new."""
        with self._write_lock:
            return catch_up(self.store)

    def quotes_by(
        self,
        speaker: str,
        about: str | None = None,
        filters: Filters | None = None,
        limit: int = 10,
    ) -> SpeakerQuotes:
        """Statements attributed to ``speaker`` (a person or body), newest first, each a verified verbatim
        sentence; ``about`` keeps those on a topic (index.who_said). Loads the model only for ``about``."""
        speaker = " ".join(speaker.split())
        if not speaker:
            raise ValueError("Say whose statements you want, e.g. --speaker Kishida.")
        if len(speaker) > 200:
            raise ValueError("The speaker's name is over 200 characters: give the name only.")
        limit = check_int(int(limit), "limit", 1, MAX_STATEMENTS)
        self.speakers_catch_up()
        topic = None
        if about and about.strip():
            topic = topic_of(about, self.lexical, self.embedder.encode_query(about))
        result = statements_by(self.store, speaker, filters or Filters(), limit, topic)
        result.about = about.strip() if about and about.strip() else None
        return result

    def speaker_names(
        self, fragment: str, scopes: tuple[str, ...] | None = None, limit: int = 25
    ) -> list[str]:
        """Speakers whose name has a word starting with ``fragment``, most quoted first (Discord's autocomplete):
        one query on the small speakers table, never a scan of the corpus; does not catch up (see
        ``speakers_catch_up``)."""
        return [name for name, _ in self.store.speaker_names(fragment[:100], scopes, limit)]


__all__ = ["Newsdesk", "ModelMismatch"]
