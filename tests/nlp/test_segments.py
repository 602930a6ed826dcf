"""Finding the questions in a message (bot/nlp/segments.py)."""

from __future__ import annotations

from bot.nlp.segments import questions_in


def test_two_questions_joined_by_and_are_split():
    assert questions_in("should we get cyber insurance, and do we need cyber essentials for a "
                        "council contract?") == ["should we get cyber insurance",
                                                 "do we need cyber essentials for a council contract?"]


def test_two_questions_in_two_sentences_are_split_and_context_is_left_out():
    assert questions_in("We run a cafe in Leeds. How do I back up the till? Also, is our Wi-Fi safe "
                        "for customers?") == ["How do I back up the till?",
                                              "Also, is our Wi-Fi safe for customers?"]


def test_one_question_with_context_is_not_split():
    assert questions_in("we are a builder in Glasgow and someone hacked our facebook page, what do "
                        "we do?") == []
    assert questions_in("how long have we got to tell the ICO about a data breach?") == []


def test_at_most_two_questions_the_last_two():
    found = questions_in("What is 2SV? How do I turn it on? Does it cost anything?")
    assert found == ["How do I turn it on?", "Does it cost anything?"]
