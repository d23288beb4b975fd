"""The ``Newsdesk`` facade: the one API every front end (CLI, terminal session, Discord bot) calls.

Synchronous and thread-safe. The store (SQLite) is the only truth: an article is embedded first and then committed
with its paragraphs, spans, checksums, vectors and lexical terms in one transaction, so nothing is ever "stored but
not searchable". The FAISS index is a cache derived from the store that every process catches up from the store's
position before it searches (``VectorIndex.catch_up``); the lexical index lives inside the store. Several processes
may share one data dir: SQLite serialises the writers, and nothing is re-embedded outside ``reindex``.

Questions are answered by the methods ``index.questions`` mixes in. The embedding model loads only when something is
embedded (``ask``, ingest, ``reindex``): ``stats``, ``sources`` and briefings never load it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from index.answer.profiles import bar_for
from index.config import CoreSettings
from index.embed.backends import backend_of
from index.embed.model import Embedder
from index.ingest.extract import ExtractError, articles_from_bytes, iter_files
from index.ingest.reindex import reindex_private
from index.ingest.write import Ingestor, reindex
from index.language import load_language_model
from index.messages import say
from index.models import (
    ArticleIn,
    Briefing,
    Filters,
    IngestItem,
    IngestReport,
    IngestStatus,
    SourceStats,
    Stats,
)
from index.questions import Questions
from index.retrieval.lexical import LexicalIndex
from index.speakers.who_said import MAX_STATEMENTS, SpeakerQuotes, catch_up, statements_by, topic_of
from index.store.articles import Store
from index.store.health import StoreProblem, ingest_done, reindex_done, store_error
from index.text_normalize import normalize_text
from index.validate import check_int
from index.vectors import ModelMismatch, VectorStore, open_vector_store

if TYPE_CHECKING:
    from index.briefing.chart import BriefingChart
    from index.retrieval.tantivy_engine import TantivyLexical

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
MAX_FILE_BYTES = 20 * 1024 * 1024  # one file to ingest; a bigger one is refused with its size


class Newsdesk(Questions):
    def __init__(self, settings: CoreSettings | None = None, embedder: Embedder | None = None):
        self.settings = settings or CoreSettings()
        self.data_dir = Path(self.settings.data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.store = Store(self.data_dir / "newsdesk.db")
        except (sqlite3.Error, OSError) as exc:  # damaged, read-only, full: one sentence (index.store.health)
            self._stopped(exc)
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.lexical = LexicalIndex(
            self.store, self.settings.lexical_max_df, self.settings.lexical_max_terms, self._lexical_engine()
        )
        self._write_lock = threading.RLock()
        self._vectors_lock = threading.Lock()
        self._vectors: VectorStore | None = None

    def _lexical_engine(self) -> TantivyLexical | None:
        """The configured top-k lexical engine (None: FTS5 in the store); opened, built or caught up on first use."""
        engine = self.settings.lexical_engine.strip().lower()
        if engine in ("", "fts5"):
            return None
        if engine == "tantivy":
            from index.retrieval.tantivy_engine import TantivyLexical

            return TantivyLexical(self.data_dir / "lexical", self.store)
        raise ValueError(say("lexical_bad_engine", name=self.settings.lexical_engine))

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: CoreSettings | None = None, embedder: Embedder | None = None) -> Newsdesk:
        """Open the data dir (migrating its schema when needed). Loads neither the model nor the vector cache."""
        desk = cls(settings, embedder)
        desk._upgrade_legacy_vectors()
        return desk

    def close(self) -> None:
        self.lexical.close()
        self.store.close()

    def warm(self) -> None:
        """Load now what the first question or article would otherwise wait for: the model (one question
        embedded), the vector cache (opened, rebuilt or caught up), the lexical engine (built or caught up: minutes
        for a large data dir that never had one) and the language identifier (~0.5 s). The bot runs it in a worker
        thread once connected, so its first answer is as quick as the next; a failure here is the first question's
        to report, so it costs a log line."""
        try:
            self.embedder.encode_query("What is new today?")
            self.search_index()
            self._lexical_catch_up()
            load_language_model()
        except Exception as exc:  # noqa: BLE001 - the same step runs again, and reports, on first use
            log.warning("warming the index failed (%s): the first question will load what is missing", exc)

    @property
    def embedder(self) -> Embedder:
        """The model, created on first use (``stats``, ``sources`` and briefings never need it)."""
        if self._embedder is None:
            with self._embedder_lock:  # the bot's warm-up and its first question may both get here
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

    def search_index(self) -> VectorStore:
        """The vector store (FAISS cache or Milvus collection) caught up with the store, another process's articles
        included: opened (or rebuilt) when missing or of another epoch, else caught up, saved or grown as due."""
        self._check_model()
        with self._vectors_lock:
            epoch = self.store.epoch()
            vs = self._vectors
            if vs is None or not vs.current(epoch):
                _, dimension = self.store.model_identity()
                vs = open_vector_store(
                    self.settings, self.store, self.data_dir, dimension or self.embedder.dimension, epoch, vs
                )
                self._vectors = vs
            else:
                vs.refresh(self.store)
            return vs

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
            from index.store.legacy import import_legacy_vectors

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
        """Embed each article, then commit it with its vectors (one transaction each); see ``index.ingest.write``."""
        self._check_model()
        with self._write_lock:
            ingestor = Ingestor(self.store, self.embedder, self.embedder.identity, progress)
            try:
                report = ingestor.run(items, scope)
            except (sqlite3.Error, OSError, StoreProblem) as exc:  # stopped at the first failed write
                self._stopped(exc, ingest_done(ingestor.report), say("store_then_ingest"))
        self._lexical_catch_up()
        return report

    def _lexical_catch_up(self) -> None:
        """The lexical engine's cache written by the process that ingested (its commit and any segment merge
        cost this process, not the next question's); a failure costs a log line, the next search catches up."""
        engine = self.lexical.engine
        if engine is None:
            return
        try:
            engine.refresh()
        except Exception as exc:  # noqa: BLE001 - a derived cache: the store holds the article
            log.warning(
                "the lexical index could not catch up after the ingest (%s): the next search will", exc
            )

    def _stopped(self, exc: BaseException, done: str | None = None, then: str = "") -> NoReturn:
        """Raise a storage failure as its one sentence (``StoreUnwritable`` / ``StoreDamaged``), anything else as
        it was; ``done`` says what was stored before it, ``then`` what running the command again does."""
        problem = store_error(exc, self.data_dir, done, then)
        if problem is None or problem is exc:
            raise exc
        raise problem from exc

    def reindex(
        self, progress: Progress | None = None, scopes: tuple[str, ...] | None = None
    ) -> IngestReport:
        """Re-embed every stored paragraph aside, then swap all vectors at once; articles ingested meanwhile by
        other processes are kept (and embedded with the new model inside the swap). Resumes if interrupted.

        With ``scopes``: only the articles private to those servers (``""``, the shared corpus, is never touched),
        with the model the store already uses, chunk by chunk in place (``index.ingest.reindex``)."""
        if scopes is not None:
            self._check_model()
            with self._write_lock:
                try:
                    return reindex_private(self.store, self.embedder, scopes, progress)
                except (sqlite3.Error, OSError) as exc:
                    self._stopped(exc, say("store_done_reindex_private"))
        with self._write_lock:
            try:
                report = reindex(self.store, self.embedder, self.embedder.identity, progress)
            except (sqlite3.Error, OSError) as exc:  # a full disk: what was re-embedded is kept aside
                self._stopped(exc, reindex_done(self.store), say("store_then_reindex"))
            self._vectors = None  # the next search rebuilds the cache from the new vectors
            return report

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
        sentence; ``about`` keeps those on a topic (index.speakers.who_said). Loads the model only for ``about``."""
        speaker = normalize_text(speaker)
        about = normalize_text(about) if about else about
        if not speaker:
            raise ValueError("Say whose statements you want, e.g. --speaker Kishida.")
        if len(speaker) > 200:
            raise ValueError("The speaker's name is over 200 characters: give the name only.")
        limit = check_int(int(limit), "limit", 1, MAX_STATEMENTS)
        self.speakers_catch_up()
        topic = None
        if about and about.strip():
            bar = bar_for(self.store.model_identity()[0])
            topic = topic_of(about, self.lexical, self.embedder.encode_query(about), bar.min_about_dense)
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
