"""Text rules every stage shares: the tokenizer (lower-cased words, stop words dropped, demonyms folded onto
countries, Snowball-stemmed) and the paragraph checksum.

The store indexes these tokens in FTS5 and questions are matched with the same ones, so they live below every stage
that needs them (store, retrieval, answer, speakers) instead of inside the lexical search.
"""

from __future__ import annotations

import hashlib
import re

import Stemmer

from index.multiscript import char_pairs, has_unspaced, split_unspaced

_STEMMER = Stemmer.Stemmer("english")

_WORD = re.compile(r"(?u)\b\w\w+\b")
# A standard English stop list plus question words: "what did ... do" carries no evidence in a passage.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "don",
    ]
)
# News text names countries by their demonyms ("Japanese officials", "a Russian invasion"); questions usually
# name the country. Folding both onto one token lets BM25 see that they are the same entity. Irregular forms
# of "say" and "tell" are folded for the same reason ("What did X say" vs "X said").
FOLD = {
    "japanese": "japan",
    "russian": "russia",
    "russians": "russia",
    "chinese": "china",
    "american": "america",
    "americans": "america",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "british": "britain",
    "french": "france",
    "german": "germany",
    "germans": "germany",
    "indian": "india",
    "israeli": "israel",
    "israelis": "israel",
    "palestinian": "palestine",
    "palestinians": "palestine",
    "iranian": "iran",
    "iraqi": "iraq",
    "iraqis": "iraq",
    "afghan": "afghanistan",
    "pakistani": "pakistan",
    "syrian": "syria",
    "korean": "korea",
    "koreans": "korea",
    "mexican": "mexico",
    "canadian": "canada",
    "brazilian": "brazil",
    "australian": "australia",
    "european": "europe",
    "europeans": "europe",
    "italian": "italy",
    "spanish": "spain",
    "turkish": "turkey",
    "egyptian": "egypt",
    "saudi": "saudi",
    "taiwanese": "taiwan",
    "indonesian": "indonesia",
    "thai": "thailand",
    "vietnamese": "vietnam",
    "nigerian": "nigeria",
    "african": "africa",
    "polish": "poland",
    "dutch": "netherlands",
    "swedish": "sweden",
    "finnish": "finland",
    "said": "say",
    "says": "say",
    "saying": "say",
    "told": "tell",
    "tells": "tell",
}


def tokenize(texts: list[str], lang: str | None = None) -> list[list[str]]:
    """Lower-cased words, stop words dropped, demonyms folded onto countries, Snowball-stemmed.

    ``lang`` is the text's language (``index/language.py``; None = unknown, treated as English as before languages
    were stored). Only English is stemmed: another language's words are kept as written rather than cut by the
    wrong rules (ё folded onto е). Scripts written without spaces (Japanese, Chinese, Thai...) become overlapping
    character pairs (``multiscript.py``), where one word match would otherwise be a whole sentence."""
    stem = lang is None or lang == "en"
    out: list[list[str]] = []
    for text in texts:
        lowered = text.lower()
        if has_unspaced(lowered):
            tokens: list[str] = []
            for kind, piece in split_unspaced(lowered):
                tokens.extend(char_pairs(piece) if kind == "pairs" else _words(piece, stem))
            out.append(tokens)
        else:
            out.append(_words(lowered, stem))
    return out


def _words(lowered: str, stem: bool) -> list[str]:
    words = [FOLD.get(w, w) for w in _WORD.findall(lowered) if w not in STOPWORDS]
    if stem:
        words = _STEMMER.stemWords(words)
    if "ё" in lowered:
        words = [w.replace("ё", "е") for w in words]
    return words


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
