"""Syndicated copies: the same passage in two differently edited copies of a story is shown once, the other
outlets listed as "also in". One rule for answers and alerts (briefings group copies by story before quoting)."""

from __future__ import annotations

from index.answer.spans import source_ref
from index.models import Quote


class Collapser:
    """Remembers the quotes shown so far by their text."""

    def __init__(self) -> None:
        self._by_text: dict[str, Quote] = {}

    def absorbed(self, quote: Quote, article) -> Quote | None:
        """The quote already shown with this very text, now listing ``article`` (the copy ``quote`` came from) as
        "also in"; None when the text is new."""
        same = self._by_text.get(quote.text)
        if same is None:
            return None
        ref = source_ref(article)
        if ref.article_id != same.article_id and all(r.article_id != ref.article_id for r in same.also_in):
            same.also_in.append(ref)
        return same

    def keep(self, quote: Quote) -> None:
        """Record ``quote`` as shown."""
        self._by_text.setdefault(quote.text, quote)
