"""The store: SQLite, the only truth. Versioned schema (``schema``), articles and paragraphs (``articles``), their
vectors and the change logs caches catch up from (``vectors``), the queries of single features (``features``) and
of speakers (``speakers``), and the one-time import of a pre-v2 FAISS file (``legacy``)."""
