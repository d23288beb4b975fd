"""What a question asks for, and whether a window holds it (the answer stage's answer-type bonus)."""

from __future__ import annotations

import pytest

from index.answer.answer_type import answer_type, has_answer_type


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people died in the tsunami?", "number"),
        ("how much did gas prices rise?", "number"),
        ("What percentage of voters turned out?", "number"),
        ("When did the earthquake strike?", "date"),
        ("In what year was he born?", "date"),
        ("Who won the election?", "name"),
        ("Where is the rioting happening?", "name"),
        ("Which country declared victory against the pandemic?", "name"),
        ("What did Japan say it would do?", None),
        ("Why did the talks fail?", None),
    ],
)
def test_answer_type_of_questions(question, kind):
    assert answer_type(question) == kind


def test_a_number_or_a_date_is_found_in_words_and_digits():
    assert has_answer_type("More than 150,000 people died.", "number", "")
    assert has_answer_type("Dozens were injured.", "number", "")
    assert not has_answer_type("The minister was injured.", "number", "")
    assert has_answer_type("It struck on Sunday morning.", "date", "")
    assert not has_answer_type("It struck in the morning.", "date", "")


def test_a_name_counts_only_when_the_question_does_not_already_give_it():
    q = "Who did Kishida meet?"
    assert has_answer_type("Kishida met Biden in Tokyo.", "name", q)
    assert not has_answer_type("He said Kishida was tired.", "name", q)
    # A capitalised word opening the sentence is not taken for a name.
    assert not has_answer_type("Officials said it was over.", "name", "Who said it?")
