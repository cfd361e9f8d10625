"""A web complaint's title says what went wrong, not "Hello,"."""

import pytest

from voice.summaries import SUMMARY_LENGTH, message_summary


@pytest.mark.parametrize(
    ("message", "summary"),
    [
        (
            "Hello,\n\nMy boiler broke again on Monday. Nobody came.",
            "My boiler broke again on Monday.",
        ),
        ("Hi, the engineer never turned up.", "The engineer never turned up."),
        ("Dear Rapport team,\nYour invoice is wrong", "Your invoice is wrong"),
        ("Good morning! I was charged twice for one visit.", "I was charged twice for one visit."),
        ("To whom it may concern: the van blocked our drive", "The van blocked our drive"),
        ("Hello there!!!\n\n\nok\n\nThe tap still drips", "The tap still drips"),
        ("  spaces    inside   kept   as one   ", "Spaces inside kept as one"),
        (
            "Hiring question: do you train apprentices?",
            "Hiring question: do you train apprentices?",
        ),
        ("¡Hola! El técnico no vino.", "El técnico no vino."),
        ("Hola, el técnico no vino.", "El técnico no vino."),
        ("Sehr geehrte Damen und Herren, der Techniker kam nicht.", "Der Techniker kam nicht."),
        ("Thanks for fixing the boiler so quickly!", "Thanks for fixing the boiler so quickly!"),
        ("Dear Ada,\n😡😡😡 nobody called me back", "😡😡😡 nobody called me back"),
        ("الفني لم يأت", "الفني لم يأت"),
    ],
)
def test_the_summary_is_the_first_sentence_that_says_something(message, summary):
    assert message_summary(message, topic_label="Complaint") == summary


def test_a_long_sentence_is_cut_at_a_word_with_an_ellipsis():
    summary = message_summary("Hello, " + "very " * 100 + "late.", topic_label="Complaint")

    assert len(summary) <= SUMMARY_LENGTH
    assert summary.endswith("…") and summary.startswith("Very very")


def test_one_unbroken_word_is_cut_too():
    assert len(message_summary("x" * 5000, topic_label="Complaint")) <= SUMMARY_LENGTH


@pytest.mark.parametrize(
    "message",
    ["Hello,", "Hi!\n\nThanks", "?!", "", "\n\n\n", "Dear team,", "Many thanks. Kind regards"],
)
def test_a_message_that_says_nothing_is_titled_by_its_topic_and_order(message):
    assert message_summary(message, topic_label="Complaint") == "Complaint from the feedback form"
    assert (
        message_summary(message, topic_label="Complaint", order_ref="A-1042")
        == "Complaint about order A-1042"
    )
