"""Who said it (issue 21): for "what did X say" questions X's own statements come first; when X is quoted nowhere,
one sentence says so and only passages about X follow; a statement keeps the sentence that recants it."""

from __future__ import annotations

from index.answer.attribution import question_speaker
from index.answer.spans import with_qualifier
from index.messages import render, say, speaker_note
from index.models import Paragraph


def test_the_seed_japanese_statements_come_first_and_second(seed_desk):
    answer = seed_desk.ask("What did Japan say it would do if Russia invades?", k=5)
    assert answer.speaker == "Japan" and answer.speaker_quoted is True
    first, second = answer.quotes[:2]
    assert "would be compelled to take an appropriate measure" in first.text
    assert "strong action in response to any attack" in second.text
    assert first.attributed and second.attributed
    flags = [bool(q.attributed) for q in answer.quotes]
    assert flags == sorted(flags, reverse=True)  # every statement by Japan before any passage that is not one


def test_a_position_question_puts_the_speakers_own_statement_first(seed_desk):
    # "What is X's position" names its speaker as "what did X say" does: X's statements are marked as X's and come
    # first, and the answer does not claim X is quoted nowhere
    answer = seed_desk.ask("What is Kishida's position on Russia?", k=5)
    assert answer.speaker == "Kishida" and answer.speaker_quoted is True
    assert answer.quotes[0].attributed and "Kishida" in answer.quotes[0].text
    assert speaker_note(answer) is None
    assert question_speaker("What is Kishida's position on Russia?") == question_speaker(
        "What did Kishida say?"
    )


def test_a_speaker_quoted_nowhere_gets_one_sentence_and_passages_about_him(wikinews_desk):
    wikinews_desk.speakers_catch_up()  # what a deployment's `quotes` or bot has done: the index of who said what
    answer = wikinews_desk.ask("What did Yushchenko say?", k=5)
    assert answer.quotes and answer.speaker == "Yushchenko" and answer.speaker_quoted is False
    assert answer.speaker_statements == 0
    assert all("Yushchenko" in q.text or "Yushchenko" in q.title for q in answer.quotes)
    assert all(q.attributed is False for q in answer.quotes)
    text = render("answer.md.j2", answer=answer, offset=0, k=5)
    assert say("answer_speaker_not_quoted", speaker="Yushchenko") in text
    assert answer.to_dict()["speaker_quoted"] is False


def test_a_speaker_quoted_on_other_things_is_not_called_quoted_nowhere(wikinews_desk):
    # Bush is quoted in the sample, but on nothing that answers this: the sentence says that, not "no statement"
    wikinews_desk.speakers_catch_up()
    answer = wikinews_desk.ask("What is Bush's position on Social Security?", k=3)
    assert answer.speaker == "Bush" and answer.speaker_quoted is False
    assert answer.speaker_statements and answer.speaker_statements >= 1
    assert answer.to_dict()["speaker_statements"] == answer.speaker_statements
    text = render("answer.md.j2", answer=answer, offset=0, k=3)
    assert say("answer_speaker_not_on_this", speaker="Bush") in text
    assert say("answer_speaker_not_quoted", speaker="Bush") not in text


def test_before_the_who_said_what_index_has_read_everything_nothing_is_counted(wikinews_desk):
    # `ask` never catches that index up (the bot's loop and `quotes` do): a lagging index cannot say "none"
    assert wikinews_desk.store.speaker_position()[0] == 0  # ingest does not read for speakers
    answer = wikinews_desk.ask("What is Bush's position on Social Security?", k=3)
    assert answer.speaker_quoted is False and answer.speaker_statements is None
    text = render("answer.md.j2", answer=answer, offset=0, k=3)
    assert say("answer_speaker_not_among", speaker="Bush") in text  # judged on the answer's passages only
    wikinews_desk.speakers_catch_up()
    answer = wikinews_desk.ask("What is Bush's position on Social Security?", k=3)
    assert answer.speaker_statements and answer.speaker_statements >= 1


def test_a_named_person_is_credited_whatever_nationality_the_phrase_gives(seed_desk):
    # "Russian Ambassador to Japan Mikhail Galuzin warned …" is Galuzin speaking, not only Russia
    seed_desk.speakers_catch_up()
    answer = seed_desk.ask("What did Galuzin say?", k=3)
    assert (
        answer.speaker_quoted is True and answer.quotes[0].attributed and "Galuzin" in answer.quotes[0].text
    )
    assert speaker_note(answer) is None


def test_a_role_without_a_name_is_never_called_quoted_nowhere(wikinews_desk):
    # the who-said-what index holds named speakers, not "the ambassador": it cannot say nobody of that role spoke
    wikinews_desk.speakers_catch_up()
    answer = wikinews_desk.ask("What did the ambassador say about the tsunami?", k=3)
    assert answer.speaker == "ambassador" and answer.speaker_quoted is False
    assert answer.speaker_statements is None
    assert speaker_note(answer) == say("answer_speaker_not_among", speaker="ambassador")


def test_questions_about_no_speaker_carry_no_speaker_fields(wikinews_desk):
    answer = wikinews_desk.ask("How many people died in the tsunami?", k=3)
    assert answer.speaker is None and answer.speaker_quoted is None
    assert all(q.attributed is None for q in answer.quotes)


def test_a_statement_keeps_the_sentence_that_recants_it(wikinews_desk):
    said = wikinews_desk.quotes_by("Egeland")
    stingy = [s for s in said.statements if '"stingy"' in s.quote.text]
    assert stingy and "later recanted his statement" in stingy[0].quote.text


def test_with_qualifier_reaches_only_a_recanting_sentence_of_the_same_paragraph():
    text = "He said A. The weather was fine. He later denied it. He said B."
    spans = [(0, 10), (11, 32), (33, 52), (53, 63)]
    para = Paragraph(1, "a", 1, text, spans)
    assert text[: with_qualifier(para, 0, 10)] == "He said A. The weather was fine. He later denied it."
    assert with_qualifier(para, 53, 63) == 63  # nothing later: unchanged
    plain = Paragraph(2, "a", 1, "He said A. He said B.", [(0, 10), (11, 21)])
    assert with_qualifier(plain, 0, 10) == 10


def test_a_person_reads_a_label_never_the_raw_score(seed_desk):
    answer = seed_desk.ask("What did Japan say it would do if Russia invades?", k=5)
    assert [q.confidence for q in answer.quotes][1:] == ["related"] * (len(answer.quotes) - 1)
    assert answer.quotes[0].confidence in ("strong match", "related")
    text = render("answer.md.j2", answer=answer, offset=0, k=5)
    assert "score" not in text and "related" in text
    assert all(
        "confidence" in q and "score" in q for q in answer.to_dict()["quotes"]
    )  # JSON keeps the number
