"""The answering rules (bot/guidance/answering.py), one test per rule, on real answers."""

from __future__ import annotations

import pytest

from bot.guidance.answering import (
    ANSWER_MIN,
    OUT_OF_SCOPE_LABEL,
    SCOPE_ANSWER_MAX,
    SCOPE_REFUSAL_MIN,
    UNSUPPORTED_ANSWER_MAX,
    asks_prevention,
    decide,
    names_security_subject,
    reports_incident,
    variant_text,
)
from bot.guidance.knowledge import TOPIC_IDS
from bot.guidance.knowledge.answers import default_answers
from bot.guidance.profile import BusinessProfile

ANSWERS = default_answers()


def _ranking(*pairs: tuple[str, float]) -> list[dict[str, object]]:
    return [{"id": label, "topic": ANSWERS[label].topic if label in ANSWERS else OUT_OF_SCOPE_LABEL,
             "score": score} for label, score in pairs]


def _decide(intent: str, ranking, text: str = "a question", confidence: float = 0.8, questions=None,
            scope: float | None = None):
    parsed: dict[str, object] = {"ranking": ranking}
    if scope is not None:
        parsed["scope"] = scope
    if questions:
        parsed["questions"] = questions
    return decide(intent=intent, confidence=confidence, text=text, parsed=parsed, answers=ANSWERS,
                  topics=TOPIC_IDS, intent_ranking=[{"name": intent, "confidence": confidence}])


def test_a_confident_answer_wins_over_the_topic():
    decision = _decide("ask_personal_data", _ranking(("personal_data_subject_access", 0.4),
                                                     ("personal_data_fee_do_i_pay", -0.6)))
    assert decision.kind == "answers" and decision.answers == ("personal_data_subject_access",)


def test_a_weak_answer_falls_back_to_the_topic_then_to_a_question_back():
    weak = _ranking(("personal_data_subject_access", ANSWER_MIN - 0.2))
    assert _decide("ask_backups", weak).kind == "topic"
    assert _decide("ask_backups", weak).topic == "backups"
    assert _decide("ask_backups", weak, confidence=0.1).kind == "clarify"


def test_out_of_scope_needs_a_more_confident_answer():
    middling = _ranking(("backups_how_often", (ANSWER_MIN + (-0.1)) / 2))
    assert _decide("ask_backups", middling).kind == "answers"
    assert _decide("out_of_scope", middling).kind == "refuse"
    assert _decide("out_of_scope", _ranking(("devices_staff_own_phones", 0.3))).kind == "answers"


def test_the_refusal_class_on_top_with_an_out_of_scope_intent_refuses():
    ranking = _ranking((OUT_OF_SCOPE_LABEL, 0.5), ("backups_how_often", 0.2))
    assert _decide("out_of_scope", ranking).kind == "refuse"


def test_an_out_of_scope_intent_the_answer_model_does_not_share_is_answered():
    """Rule 5: a worried post the classifier calls out of scope, while the answer model ranks
    its refusal class below its top five or far below the top answer, gets the answer like
    any question."""
    text = ("We've just opened a second cafe and the broadband engineer left the router with the "
            "password printed on the back. Half the customers can read it. Should I change it?")
    unshared = _ranking(("network_change_router_admin_password", -0.45),
                        ("network_guest_wifi_for_customers", -0.6), ("network_wifi_password_and_wpa", -0.7),
                        ("passwords_three_random_words", -0.8), ("devices_tills_card_readers", -0.9))
    decision = _decide("out_of_scope", unshared, text=text, confidence=0.9)
    assert decision.kind == "answers" and decision.answers == ("network_change_router_admin_password",)
    # The refusal class among the five, close to the top answer: the classifier's refusal stands
    # (for a message that names no security subject, which rule 7 never refuses).
    shared = unshared[:4] + _ranking((OUT_OF_SCOPE_LABEL, -0.85))
    plain = "We've just opened a second cafe and the engineer left the router on the floor. Can I move it?"
    assert _decide("out_of_scope", shared, text=plain, confidence=0.9).kind == "refuse"
    assert _decide("out_of_scope", shared, text=text, confidence=0.9).kind == "answers"
    # Among the five but far below the top answer: answered.
    far = _ranking(("network_change_router_admin_password", -0.2)) + shared[1:]
    assert _decide("out_of_scope", far, text=text, confidence=0.9).answers == (
        "network_change_router_admin_password",)
    # Not ranked, but no answer fits well enough either: still refused, never a weak answer.
    weak = _ranking(*((str(r["id"]), ANSWER_MIN - 0.1) for r in unshared))
    assert _decide("out_of_scope", weak, text="what's a fair price for a flat white", confidence=0.9
                   ).kind == "refuse"


def test_the_refusal_class_first_outweighs_a_doubtful_topic():
    """Rule 5: the answer model ranks refusal first and the topic is a guess: refused."""
    text = "how do I work out holiday pay for a cleaner on a zero hours contract?"
    ranking = _ranking((OUT_OF_SCOPE_LABEL, -0.3), ("staff_training_what_to_cover", -0.85),
                       ("passwords_staff_forget", -0.9))
    assert _decide("ask_staff_training", ranking, text=text, confidence=0.55).kind == "refuse"
    # A confident topic is kept, and so is the incident path.
    assert _decide("ask_staff_training", ranking, text=text, confidence=0.9).kind == "topic"
    assert _decide("report_incident", ranking, text="our email has been hacked",
                   confidence=0.55).kind == "incident"


def _intents(*names: str) -> list[dict[str, object]]:
    return [{"name": name, "confidence": 0.6 / (i + 1)} for i, name in enumerate(names)]


def test_a_weak_answer_the_classifier_does_not_back_does_not_outweigh_out_of_scope():
    """Rule 6: a weak answer whose topic the classifier does not rank near the top does not
    outweigh an out-of-scope opinion, whether the intent is out of scope or its runner-up."""
    text = "how often should we be doing fire drills in the surgery"
    weak = UNSUPPORTED_ANSWER_MAX - 0.05
    ranking = _ranking(("incident_response_exercise_in_a_box", weak),
                       ("staff_training_how_often", weak - 0.1), ("backups_how_often", weak - 0.2),
                       ("updates_how_quickly", weak - 0.3),
                       ("devices_printers", weak - 0.4))

    def decide_with(intents, answer_ranking=ranking):
        return decide(intent=str(intents[0]["name"]), confidence=0.6, text=text,
                      parsed={"ranking": answer_ranking}, answers=ANSWERS, topics=TOPIC_IDS,
                      intent_ranking=intents)

    # The refusal class is not among the top five answers, which alone would doubt the refusal.
    assert decide_with(_intents("out_of_scope", "ask_passwords", "ask_network")).kind == "refuse"
    assert decide_with(_intents("ask_devices", "out_of_scope", "ask_network")).kind == "refuse"
    # The classifier backs the answer's topic among its top three: answered.
    backed = decide_with(_intents("out_of_scope", "ask_passwords", "ask_incident_response"))
    assert backed.answers == ("incident_response_exercise_in_a_box",)
    # A stronger answer stands on its own.
    strong = _ranking(("incident_response_exercise_in_a_box", UNSUPPORTED_ANSWER_MAX + 0.1)) + ranking[1:]
    assert decide_with(_intents("ask_devices", "out_of_scope", "ask_network"), strong).kind == "answers"
    # Neither out of scope near the top nor a report of an incident is ever refused this way.
    assert decide_with(_intents("ask_devices", "ask_network", "out_of_scope")).kind != "refuse"
    assert decide_with(_intents("out_of_scope", "report_incident", "ask_network")).kind == "answers"


def test_a_message_that_names_a_security_subject_is_never_refused():
    """Rule 7: both models call this long post out of scope, yet it is about a hacked page."""
    text = ("i do dog grooming from home and take bookings through my facebook page. this morning "
            "i couldn't log in and my page has been hacked. how do i get it back?")
    refusing = _ranking(("social_media_facebook_hacked", -0.52), ("social_media_fake_page", -0.82),
                        (OUT_OF_SCOPE_LABEL, -0.83))
    decision = _decide("out_of_scope", refusing, text=text, confidence=0.99)
    assert decision.kind == "answers" and decision.answers == ("social_media_facebook_hacked",)
    # With no answer good enough, a question back, never a refusal.
    nothing = _ranking((OUT_OF_SCOPE_LABEL, 0.4), ("social_media_fake_page", ANSWER_MIN - 0.3))
    assert _decide("out_of_scope", nothing, text=text, confidence=0.99).kind == "clarify"
    # The same ranking for a message without such a subject is refused.
    assert _decide("out_of_scope", nothing, text="how do i groom a poodle", confidence=0.99).kind == "refuse"


@pytest.mark.parametrize("text", [
    "our email account was taken over last week", "is this a scam", "we got phished",
    "what does the NCSC say", "do we need 2FA on the till", "cyber essentials cost",
    "someone keeps trying to log in to our shop account", "Ransomware on the server"])
def test_security_subjects_are_recognised(text):
    assert names_security_subject(text)


@pytest.mark.parametrize("text", [
    "we've taken over the lease on the unit next door", "tips for cyber monday sales",
    "a customer is in breach of contract", "how do i do a pivot table in excel"])
def test_ordinary_business_words_are_not_security_subjects(text):
    assert not names_security_subject(text)


def test_wording_the_scope_score_places_out_of_scope_is_refused():
    """Rule 8: a business question the classifier calls a topic and the answer model
    half-matches is refused when the scope score says out of scope, and only then."""
    ranking = _ranking(("payment_fraud_overdue_pressure", -0.6), (OUT_OF_SCOPE_LABEL, -0.8))
    text = "do invoices legally need an invoice number on them"
    assert _decide("ask_payment_fraud", ranking, text, confidence=0.9).kind != "refuse"
    out = SCOPE_REFUSAL_MIN + 0.1
    assert _decide("ask_payment_fraud", ranking, text, confidence=0.9, scope=out).kind == "refuse"
    assert _decide("ask_payment_fraud", ranking, text, confidence=0.9,
                   scope=SCOPE_REFUSAL_MIN - 0.1).kind != "refuse"
    weak = _ranking(("backups_how_often", SCOPE_ANSWER_MAX - 0.7))
    assert _decide("ask_backups", weak, "what size backup generator do we need", scope=out).kind == "refuse"


def test_a_confident_answer_is_not_refused_on_the_scope_score():
    """A typo can leave one business word ("confirmation") that the scope score reads as out of
    scope; a specific answer that fits confidently keeps the message."""
    ranking = _ranking(("payment_fraud_confirmation_of_payee", SCOPE_ANSWER_MAX + 0.2))
    decision = _decide("ask_payment_fraud", ranking, "what does confirmation of paeye mean",
                       scope=SCOPE_REFUSAL_MIN + 0.3)
    assert decision.kind == "answers" and decision.answers == ("payment_fraud_confirmation_of_payee",)


def test_the_scope_score_never_refuses_a_security_subject_or_an_incident():
    out = SCOPE_REFUSAL_MIN + 2.0
    ranking = _ranking(("payment_fraud_paid_fake_invoice", -0.5))
    assert _decide("out_of_scope", ranking, "we were scammed by a fake supplier", scope=out).kind != "refuse"
    assert _decide("report_incident", ranking, "the van has been stolen", scope=out).kind != "refuse"


def test_two_questions_of_different_topics_get_two_answers():
    questions = [{"text": "should we get cyber insurance",
                  "ranking": _ranking(("cyber_insurance_cost", 0.2))},
                 {"text": "do we need cyber essentials for a council contract",
                  "ranking": _ranking(("cyber_essentials_cost", 0.1))}]
    decision = _decide("ask_cyber_insurance", _ranking(("cyber_insurance_cost", 0.3)), questions=questions)
    assert decision.answers == ("cyber_insurance_cost", "cyber_essentials_cost")


def test_two_questions_that_find_the_same_answer_get_it_once():
    questions = [{"text": "what is vishing", "ranking": _ranking(("phishing_vishing", 0.2))},
                 {"text": "how do i spot it", "ranking": _ranking(("phishing_vishing", 0.1))}]
    decision = _decide("ask_phishing", _ranking(("phishing_vishing", 0.3)), questions=questions)
    assert decision.answers == ("phishing_vishing",)


def test_a_report_of_an_incident_takes_a_question_answer_only_when_it_is_confident():
    text = "we've been hacked"
    weak = _ranking(("passwords_three_random_words", -0.7))
    assert _decide("report_incident", weak, text=text).kind == "incident"
    strong = _ranking(("passwords_three_random_words", 0.2))
    assert _decide("report_incident", strong, text=text).answers == ("passwords_three_random_words",)


def test_prevention_is_never_taken_for_an_incident():
    text = "we're a 4 person accountancy, how do we stop someone sending fake bank details to our clients?"
    assert asks_prevention(text) and not reports_incident(text)
    ranking = _ranking(("payment_fraud_paid_fake_invoice", 0.3),
                       ("payment_fraud_stop_fake_bank_details", 0.1))
    assert _decide("report_incident", ranking, text=text).answers == ("payment_fraud_stop_fake_bank_details",)


@pytest.mark.parametrize("text", [
    "someone hacked our facebook page, what do we do?",
    "we've just paid a fake invoice",
    "I lost my work phone on the bus",
])
def test_an_incident_is_never_taken_for_prevention(text):
    assert reports_incident(text) and not asks_prevention(text)


def test_an_incident_intent_without_an_answer_takes_the_incident_path():
    assert _decide("report_incident", _ranking((OUT_OF_SCOPE_LABEL, 0.1)),
                   text="our server has been hacked").kind == "incident"


def test_the_variant_for_the_nation_is_chosen():
    answer = next(a for a in ANSWERS.values()
                  if any("nation" in v.when and "scotland" in v.when["nation"] for v in a.variants))
    scottish = variant_text(answer, BusinessProfile(nation="scotland"))
    assert scottish != answer.answer
    assert variant_text(answer, BusinessProfile()) == answer.answer
