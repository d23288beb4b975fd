"""Core settings (pydantic-settings): read from the environment and ``.env``.

The Discord bot extends these in ``bot/settings.py`` with its own secrets; the core never needs a token, so the
CLI and the terminal session work without one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MODEL = "intfloat/multilingual-e5-small"


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default=Path("data"), validation_alias="NEWSDESK_DATA_DIR")
    model: str = Field(default=DEFAULT_MODEL, validation_alias="NEWSDESK_MODEL")
    timezone: str = Field(default="UTC", validation_alias="NEWSDESK_TIMEZONE")
    # Comma-separated hosts or CIDR ranges that URL fetching may reach even though they are private.
    allow_hosts: str = Field(default="", validation_alias="NEWSDESK_ALLOW_HOSTS")
    # Quotes per article in one answer unless the caller asks otherwise.
    per_article_cap: int = Field(default=5, validation_alias="NEWSDESK_PER_ARTICLE_CAP")
    # Texts per forward pass of the encoder; unset: each backend's own (index/embed/backends.py, BATCH).
    batch_size: int | None = Field(default=None, ge=1, validation_alias="NEWSDESK_BATCH_SIZE")
    # auto | torch | onnx | openvino (index/embed/backends.py); auto keeps the backend the index was built
    # with, else takes the fastest installed one. A change of backend asks for `newsdesk reindex`.
    encoder_backend: str = Field(default="auto", validation_alias="NEWSDESK_ENCODER_BACKEND")
    # The lexical query keeps the question's rarer terms: at most ``lexical_max_terms``, none found in more than
    # ``lexical_max_df`` of the paragraphs (BM25 gives those little weight, and their posting lists are what an
    # FTS5 query spends its time on at scale; lexical.DF_FLOOR keeps it off small corpora). 1.0 / 0 keep every
    # term. Tuning halves, capped vs not: NewsQA hit@5 .708 vs .709, RTQA hit@1/@5 .567/.933 vs .600/.900 (one
    # question each way of 30); FTS5 query alone at 100k paragraphs: p95 35 vs 132 ms.
    lexical_max_df: float = Field(default=0.05, validation_alias="NEWSDESK_LEXICAL_MAX_DF")
    lexical_max_terms: int = Field(default=6, validation_alias="NEWSDESK_LEXICAL_MAX_TERMS")
    # The lexical engine: "tantivy" (the default: a top-k BM25 cache of the store's terms beside the vector cache,
    # index/retrieval/tantivy_engine.py; filters applied inside it) or "fts5" (SQLite's FTS5 in the store, always
    # kept as the truth). Tantivy is faster at 100k and 1M paragraphs with the same figures (docs/scale.md).
    lexical_engine: str = Field(default="tantivy", validation_alias="NEWSDESK_LEXICAL_ENGINE")
    # Past this many vectors the FAISS cache becomes approximate (IVF-SQ8, recall@10 >= 0.98 checked at build).
    exact_max: int = Field(default=250_000, validation_alias="NEWSDESK_EXACT_MAX")
    # The vector index: "faiss" (in-process cache, the default) or "milvus" (index/vectors/milvus.py). For Milvus,
    # NEWSDESK_MILVUS_URI is a file path (milvus-lite, embedded; empty = <data dir>/milvus.db) or http://host:19530
    # for a Milvus server or cluster, with NEWSDESK_MILVUS_TOKEN ("user:password" or an API key) when it asks.
    vector_backend: str = Field(default="faiss", validation_alias="NEWSDESK_VECTOR_BACKEND")
    milvus_uri: str = Field(default="", validation_alias="NEWSDESK_MILVUS_URI")
    milvus_token: str = Field(default="", validation_alias="NEWSDESK_MILVUS_TOKEN")
    milvus_collection: str = Field(default="newsdesk", validation_alias="NEWSDESK_MILVUS_COLLECTION")
    # How fresh a Milvus search is (Strong | Session | Bounded; index/vectors/milvus.py). The read-your-own-writes
    # rule: before it searches, every process upserts the stored paragraphs its collection position has not
    # reached yet, so a search sees another process's article once it is in the store if the search sees the
    # writes made before it. Strong (the default) guarantees that for every write acknowledged before the
    # search, from any process or replica; it waits for the server's next time tick (Milvus's
    # proxy.timeTickInterval: 35-40 ms a search at 20 ms, 200-400 ms at the default 200 ms). Session guarantees it
    # for this process's own writes: rows that another process had already written when this one opened the
    # collection are seen once the server has applied them (a standalone server does at once; a cluster with
    # replicas within a time tick or so). Bounded may miss any write of the last common.gracefulTime (5 s):
    # fastest, but a question right after an ingest may not find the new article. milvus-lite takes any of them.
    milvus_consistency: str = Field(default="Strong", validation_alias="NEWSDESK_MILVUS_CONSISTENCY")


def configure_runtime() -> None:
    """Process-wide settings, applied where a process starts (CLI ``main``, the bot, tests), never at import.

    No model hub at run time; tokenizers' own threads off (they fight the encoder for two cores); FAISS on one
    OpenMP thread: two threads next to the encoder turn microsecond adds into milliseconds (PITFALLS.md).
    """
    import os

    import faiss

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    faiss.omp_set_num_threads(1)
