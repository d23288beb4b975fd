"""Who said it: the speaker a question names, and whether a passage attributes a statement to them."""

from __future__ import annotations

from index.answer.attribution import attributed_to, question_speaker, speaker_head, speaker_words


def test_question_speaker_is_the_named_actor():
    assert question_speaker("What did Japan say it would do if Russia invades?") == {"japan"}
    assert question_speaker("How many people died?") == set()


def test_statement_before_the_verb_is_attributed():
    assert attributed_to(
        "A Japanese government source said Tokyo would act.", question_speaker("What did Japan say?")
    )


def test_statement_after_the_quote_is_attributed():
    text = '"We will respond strongly," said Prime Minister Fumio Kishida.'
    assert attributed_to(text, question_speaker("What did Kishida say?"))


def test_another_country_speaking_about_japan_is_not_japan():
    text = "Russian Ambassador to Japan Mikhail Galuzin warned that sanctions would backfire."
    assert not attributed_to(text, question_speaker("What did Japan say?"))
    assert attributed_to(text, question_speaker("What did Russia say?"))


def test_no_speech_verb_no_attribution():
    assert not attributed_to("Japan imposed sanctions on Monday.", question_speaker("What did Japan say?"))


def test_a_named_speaker_is_not_anyone_sharing_a_title_word():
    words = speaker_words("What does Interior Secretary Ken Salazar insist?")
    speaker, head = set(words), speaker_head(words)
    assert head == "salazar"
    spokesman = (
        "One of Osama bin Laden's sons has been denied asylum in Spain, an Interior Ministry spokesman said."
    )
    assert not attributed_to(spokesman, speaker, head)
    assert attributed_to("Salazar said the review would take months.", speaker, head)
    assert attributed_to('"It was her decision," said Interior Secretary Ken Salazar.', speaker, head)
    assert (
        speaker_head(speaker_words("What did Japan say?")) is None
    )  # one word: any mention of it, as before


def test_a_statement_in_the_present_tense_is_attributed():
    text = "Iran denies its nuclear program is aimed at building bombs."
    assert attributed_to(text, question_speaker("What does Iran deny?"))
    assert attributed_to("Kishida insists Japan will act.", question_speaker("What did Kishida say?"))


def test_a_named_person_keeps_a_statement_that_gives_their_nationality():
    text = "Russian Ambassador to Japan Mikhail Galuzin warned that sanctions would be counterproductive."
    assert attributed_to(text, question_speaker("What did Galuzin say?"))
    assert not attributed_to(
        text, question_speaker("What did Japan say?")
    )  # a country still decides for a country
    assert attributed_to(text, question_speaker("What did Russia say?"))
