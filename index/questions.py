"""Questions: the part of the ``Newsdesk`` facade that answers them (``ask``, ``rank``, ``timeline``) and shows a
quoted passage again (``context``, ``passage``).

Mixed into ``index.service.Newsdesk``, as the store's query classes are mixed into ``Store``: front ends keep one
API, and each file holds one stage.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

import numpy as np

from index.answer.compose import Request, build_answer
from index.answer.excerpt import quote_digest
from index.answer.profiles import bar_for
from index.answer.spans import span_quote
from index.answer.timeline import DEFAULT_TIMELINE_K, Timeline, timeline_from
from index.answer.verify import is_verbatim
from index.config import CoreSettings
from index.embed.model import Embedder
from index.language import question_language, script_of
from index.models import Answer, Article, Filters, Paragraph, VectorBackendError
from index.retrieval.lexical import LexicalIndex
from index.retrieval.search import Candidate, Query, Sources, retrieve
from index.speakers.who_said import statement_count
from index.store.articles import Store
from index.text import tokenize
from index.text_normalize import normalize_text
from index.validate import MAX_K, MAX_OFFSET, MAX_QUESTION_CHARS, check_int
from index.vectors import VectorStore
from index.vectors.facets import Allowed, filtered

log = logging.getLogger(__name__)


class Questions:
    """The question methods. What they use of the facade is declared here and provided by ``Newsdesk``."""

    settings: CoreSettings
    store: Store
    lexical: LexicalIndex

    @property
    def embedder(self) -> Embedder:  # the facade's, created on first use
        raise NotImplementedError

    def search_index(self) -> VectorStore:  # the facade's vector store, caught up with the store
        raise NotImplementedError

    def ask(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        offset: int = 0,
        per_article: int | None = None,
        method: str = "hybrid",
        exclude_articles: Collection[str] = (),
    ) -> Answer:
        """The verified quotes answering ``question``. ``exclude_articles`` leaves those articles out of this one
        search: how ``newsdesk eval --unanswerable`` asks a question over an index without its own story."""
        # Invisible characters removed, NFKC (index.text_normalize): the same visible question, the same answer.
        question = normalize_text(question)
        if not question:
            raise ValueError("The question is empty: ask something about the news.")
        if len(question) > MAX_QUESTION_CHARS:
            raise ValueError(
                f"The question is over {MAX_QUESTION_CHARS:,} characters: ask it in fewer words."
            )
        k = check_int(int(k), "k", 1, MAX_K)
        offset = check_int(int(offset), "offset", 0, MAX_OFFSET)
        per_article = self.settings.per_article_cap if per_article is None else per_article
        per_article = check_int(int(per_article), "per_article", 0)
        filters = filters or Filters()
        vectors, query, language = self._query(question, filters, exclude_articles)
        allowed, tokens = query.allowed, query.tokens
        cands = self._retrieve(vectors, query, method)
        searched: dict = {"filters": filters.describe()}
        counted = filtered(filters) and allowed is None  # the backend filtered inside its own search
        if not counted:
            searched["paragraphs"] = allowed.count if allowed is not None else self.lexical.size()
        request = Request(
            question,
            self.lexical.weights(tokens),
            k,
            offset,
            per_article,
            filters.scopes,
            method,
            bar_for(self.store.model_identity()[0]),
            language,
        )
        answer = build_answer(cands, self.store, request, searched, language)
        if answer.speaker and answer.speaker_quoted is False:  # quoted nowhere, or just not on this question?
            answer.speaker_statements = statement_count(self.store, answer.speaker, filters)
        if counted and answer.no_answer:  # the honest no-answer says how much was searched: count it in SQL
            answer.searched["paragraphs"] = self.store.allowed_count(filters)
        return answer

    def rank(self, question: str, method: str, n: int = 10, filters: Filters | None = None) -> list[int]:
        """Paragraph ids ranked by one bare retrieval method (``hybrid``, ``rrf``, ``dense``, ``bm25``), without the
        answer stage: what the evaluation compares Newsdesk's quotes against."""
        filters = filters or Filters()
        vectors, query, _ = self._query(normalize_text(question), filters)
        cands = self._retrieve(vectors, query, method, n=n)
        return [c.pid for c in cands[:n]]

    def _query(
        self, question: str, filters: Filters, exclude_articles: Collection[str] = ()
    ) -> tuple[VectorStore, Query, str | None]:
        """(the vector store caught up, the question ready for retrieval, its language): the paragraphs the
        filters allow less ``exclude_articles``', the question's tokens in its language, and its vector."""
        vectors = self.search_index()
        allowed = vectors.allowed(filters)
        if exclude_articles:
            allowed = self._excluding(allowed, exclude_articles)
        language = question_language(question)
        tokens = tokenize([question], language)[0]
        query = Query(tokens, self.embedder.encode_query(question), filters, allowed, script_of(question))
        return vectors, query, language

    def _excluding(self, allowed: Allowed | None, articles: Collection[str]) -> Allowed:
        """``allowed`` (everything when None) less the paragraphs of ``articles``."""
        left_out = np.asarray(
            [pid for pid, _ in self.store.article_paragraph_rows(list(articles))], dtype=np.int64
        )
        if allowed is None:
            return Allowed.from_ids(np.setdiff1d(self.store.paragraph_ids(), left_out))
        mask = allowed.mask.copy()
        mask[left_out[left_out < len(mask)]] = False
        return Allowed(mask, int(mask.sum()))

    def _retrieve(self, vectors: VectorStore, query: Query, method: str, **kw: int) -> list[Candidate]:
        """``retrieve`` over ``vectors``. When the backend fails because another process's ``reindex`` switched to a
        new epoch (and dropped this one's collection) between this process's epoch check and its search, once more
        on the new epoch's store: the question is answered, not turned into an outage sentence."""
        try:
            return retrieve(query, Sources(vectors, self.lexical, self.store), method=method, **kw)
        except VectorBackendError:
            if vectors.position.epoch == self.store.epoch():  # the same epoch: a real outage, one sentence
                raise
            log.info("the vector epoch changed under the search: searching the new epoch's vectors")
            return retrieve(
                query, Sources(self.search_index(), self.lexical, self.store), method=method, **kw
            )

    def context(self, paragraph_id: int, before: int = 1, after: int = 1) -> tuple[Article, list[Paragraph]]:
        """A paragraph with its neighbours."""
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

    def passage(
        self, paragraph_id: int, start: int, end: int, digest: str
    ) -> tuple[Article, Paragraph] | None:
        """A quoted paragraph whole (the bot's "Full passage"), verified again now: None when the paragraph is gone,
        its characters [start:end] no longer read as the quote that was shown (``digest``, ``quote_digest``), or it
        changed since it was indexed (``verify``)."""
        para = self.store.paragraphs([paragraph_id]).get(paragraph_id)
        if para is None or not 0 <= start < end <= len(para.text):
            return None
        if quote_digest(para.text[start:end]) != digest:
            return None
        article = self.store.article(para.article_id)
        if article is None or not is_verbatim(
            self.store, span_quote(para, article, start, end, 0.0), "passage"
        ):
            return None
        return article, para

    def timeline(
        self,
        question: str,
        k: int = DEFAULT_TIMELINE_K,
        filters: Filters | None = None,
        per_article: int = 1,
    ) -> Timeline:
        """The passages answering ``question`` in date order, oldest first, undated ones apart (index.answer.timeline).

        The passages are ``ask``'s (same retrieval, filters, scopes, relevance bar, verification and collapsed
        copies) with a larger ``k``; one passage per article by default, so each line is one report of the story.
        """
        return timeline_from(self.ask(question, k=k, filters=filters, per_article=per_article))
