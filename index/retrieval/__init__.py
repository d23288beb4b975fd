"""A question's candidates: BM25 over the store's FTS5 table (``lexical``), dense search through the vector store,
their fusion, one small class per method (``search``), and article-level evidence (``article_evidence``)."""
