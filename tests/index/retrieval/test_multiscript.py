"""The lexical side across scripts: unspaced scripts become character pairs, only English is stemmed, and a
passage in another script than the question keeps its lexical signals imputed instead of zero."""

from __future__ import annotations

from index import language
from index.language import detect_language, question_language, script_of, script_of_language
from index.multiscript import char_pairs, split_unspaced
from index.retrieval.crosslingual import foreign_ids, imputed
from index.text import tokenize


def test_japanese_text_becomes_character_pairs_that_a_question_shares():
    passage = set(
        tokenize(["市長によると、水族館には約500種の生き物が展示され、年間100万人の来館者を見込んでいる。"])[
            0
        ]
    )
    question = tokenize(["水族館の来館者は何人ですか"])[0]
    assert {"水族", "族館", "来館", "館者"} <= passage
    assert {"水族", "族館", "来館", "館者"} <= set(question)
    assert "500種の生き物が展示され" not in passage  # no sentence-long "word"


def test_mixed_text_keeps_words_and_pairs_in_order():
    assert list(split_unspaced("tokyo 東京都 mayor")) == [
        ("words", "tokyo "),
        ("pairs", "東京都"),
        ("words", " mayor"),
    ]
    assert char_pairs("東") == ["東"]
    assert tokenize(["Kishida met 東京都 officials"])[0] == ["kishida", "met", "東京", "京都", "offici"]


def test_english_is_stemmed_as_before_and_other_languages_are_not():
    assert tokenize(["Ministers said the Japanese sanctions"])[0] == ["minist", "say", "japan", "sanction"]
    assert tokenize(["Ministers said the Japanese sanctions"], "en")[0] == [
        "minist",
        "say",
        "japan",
        "sanction",
    ]
    assert tokenize(["ministres sanctions"], "fr")[0] == [
        "ministres",
        "sanctions",
    ]  # no English rules on French
    assert tokenize(["Мэр заявила, что мост обойдётся дорого"], "ru")[0] == [
        "мэр",
        "заявила",
        "что",
        "мост",
        "обойдется",
        "дорого",
    ]


def test_languages_and_scripts_are_told_apart():
    assert detect_language("Голова асоціації заявив, що такого врожаю в регіоні не було.") == "uk"
    assert detect_language("Мэр заявила, что мост обойдётся городу в два миллиарда рублей.") == "ru"
    assert detect_language("市長によると、水族館には約500種の生き物が展示されている。") == "ja"
    assert detect_language("The plant will produce 120 megawatts, the energy ministry said.") == "en"
    assert detect_language("Bush") is None  # too short to tell
    assert question_language("What did Japan say?") == "en"
    assert script_of("Сколько мегаватт?") == "cyrillic" and script_of("東京") == "cjk"
    assert script_of_language("uk") == "cyrillic" and script_of_language(None) == "latin"


def test_smart_punctuation_leaves_a_question_english_without_the_language_model(monkeypatch):
    def no_model():
        raise AssertionError("the language model was loaded for an English question")

    monkeypatch.setattr(language, "_model", no_model)
    assert question_language("What’s Japan’s position — “strong action”?") == "en"
    assert question_language("What did Zelenskyy’s office say…") == "en"


def test_a_passage_in_another_script_is_foreign_and_its_lexical_signal_is_imputed():
    article_of = {1: "ru", 2: "en", 3: "unknown"}
    scripts = {"ru": "cyrillic", "en": "latin"}
    assert foreign_ids("latin", article_of, scripts, [1, 2, 3]) == {1}
    assert foreign_ids("cyrillic", article_of, scripts, [1, 2, 3]) == {2, 3}
    assert imputed(0.0, 0.42) == 0.42 and imputed(0.6, 0.42) == 0.6 and imputed(0.0, -0.1) == 0.0
