"""The language of an article or a question, and the writing system of a language.

Why: with a multilingual encoder an English question can be answered from a Russian article. The quote stays
verbatim in its own language and the answer says which language that is; the lexical side must neither stem a
language with another language's rules nor, when the question and the passage are in different scripts, count
the missing word overlap against the passage (``index/retrieval/crosslingual.py``).

Articles are identified with ``py3langid`` (langid.py's model, BSD-3, bundled in its wheel; 97 languages), once per
article at ingest, from its first few thousand characters. Its model takes a few seconds to load, so it loads only
when a text needs it: a question whose letters are all ASCII is taken as English without it (an ASCII French
question is then stemmed as English, which costs little: the dense side does not care), and a text whose script
settles it (kana: Japanese; Ukrainian-only or Russian-only Cyrillic letters) needs no model either. A language that
cannot be told with confidence is ``None`` ("unknown"), which the tokenizer treats as it treated every text before
languages were stored (English rules), so older data dirs and tokens stay valid.
"""

from __future__ import annotations

import logging
import threading
import unicodedata

log = logging.getLogger(__name__)

SAMPLE_CHARS = 3_000  # of an article, read to identify its language
MIN_LETTERS = 20  # fewer letters than this: too little to tell
MIN_CONFIDENCE = 0.80  # langid's normalised probability

# Languages by script, for the scripts the tokenizer treats apart (anything else is "Latin" or "other").
CYRILLIC = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt"})
CJK = frozenset({"ja", "zh", "ko"})
NAMES = {
    "en": "English",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ar": "Arabic",
    "he": "Hebrew",
    "tr": "Turkish",
}

_UK_ONLY = frozenset("іїєґ")
_RU_ONLY = frozenset("ыэъё")

_identifier = None
_lock = threading.Lock()


def _model():
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def load_language_model() -> None:
    """Load the identifier now (a long-running process warming up) rather than at the first article that needs it."""
    _model()


def script_of(text: str) -> str:
    """The dominant writing system of ``text``'s letters: ``latin``, ``cyrillic``, ``cjk`` or ``other``
    (``none`` without letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        s = _char_script(ch)
        counts[s] = counts.get(s, 0) + 1
    return max(counts, key=lambda s: (counts[s], s)) if counts else "none"


def _char_script(ch: str) -> str:
    o = ord(ch)
    if o < 0x250 or 0x1E00 <= o < 0x1F00:
        return "latin"
    if 0x400 <= o < 0x530:
        return "cyrillic"
    if 0x3040 <= o < 0x3100 or 0x3400 <= o < 0xA000 or 0xAC00 <= o < 0xD7B0 or 0xF900 <= o < 0xFB00:
        return "cjk"
    name = unicodedata.name(ch, "")
    return "cjk" if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) else "other"


def script_of_language(lang: str | None) -> str:
    """The script a language is written in (``latin`` for unknown: what the tokenizer assumed before)."""
    if lang in CYRILLIC:
        return "cyrillic"
    if lang in CJK:
        return "cjk"
    if lang is None or lang in NAMES and lang not in ("ar", "he"):
        return "latin"
    return "other"


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when it cannot be told with confidence."""
    sample = text[:SAMPLE_CHARS]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < MIN_LETTERS:
        return None
    if any(0x3040 <= ord(ch) < 0x3100 for ch in sample):  # hiragana or katakana: only Japanese writes them
        return "ja"
    if script_of(sample) == "cyrillic":
        lowered = set(sample.lower())
        uk, ru = bool(lowered & _UK_ONLY), bool(lowered & _RU_ONLY)
        if uk != ru:
            return "uk" if uk else "ru"
    lang, confidence = _model().classify(sample)
    return lang if confidence >= MIN_CONFIDENCE else None


def question_language(question: str) -> str | None:
    """The language of a question: English when its letters are all ASCII (no model load on the common path).
    Only the letters are read: a phone keyboard's curly apostrophe or a long dash ("What’s Japan’s position?")
    leaves an English question English, where reading the whole text loaded the language model (~0.5 s, ~100 MB
    resident) for it."""
    if all(ch.isascii() for ch in question if ch.isalpha()):
        return "en"
    lang = detect_language(question)
    if lang is None and script_of(question) == "latin":
        return "en"
    return lang


def shown_language(quote_language: str | None, question_language: str | None) -> str | None:
    """The language to show beside a quote (verbatim, never translated): the quote's, when it is not the question's;
    else None. A question whose language is unknown counts as English, as ``question_language`` takes an ASCII
    question; a quote whose language is unknown is not labelled. The one rule for the terminal and Discord."""
    if quote_language and quote_language != (question_language or "en"):
        return quote_language
    return None


def language_name(lang: str | None) -> str:
    """A language's English name for display (the code itself for languages not named here)."""
    return NAMES.get(lang or "", lang or "")
