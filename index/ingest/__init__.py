"""An article's path into the store: files, HTML and JSON to articles (``extract``, with ``metadata`` read from
datelines and credits), paragraphs and sentence spans (``segment``), syndicated copies (``dedup``), embed then one
commit per article (``write``), and re-embedding (``reindex``)."""
