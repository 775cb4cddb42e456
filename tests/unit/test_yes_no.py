from actions.yes_no import reply_to_yes_no


def handoff_reason(events) -> str:
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_handoff"
    return next(e["value"] for e in events if e.get("name") == "handoff_reason")


def test_yes_to_a_human_offer_hands_off_with_the_reason_of_the_offer():
    assert handoff_reason(reply_to_yes_no("affirm", "utter_kb_dont_know")) == "shopper_asked"
    assert handoff_reason(reply_to_yes_no("affirm", "utter_order_delay_offer_human")) == "order_delayed"
    assert reply_to_yes_no("deny", "utter_kb_dont_know") == "utter_anything_else"


def test_yes_or_no_without_an_offer_is_left_to_the_kb():
    assert reply_to_yes_no("affirm", "utter_greet") is None
    assert reply_to_yes_no("affirm", None) is None


def test_a_typed_yes_or_no_after_did_this_help_answers_that_question():
    for intent in ("affirm", "deny"):
        events = reply_to_yes_no(intent, "utter_kb_ask_helpful")
        assert [(e["event"], e["name"]) for e in events] == [("followup", "action_kb_feedback")]


def test_yes_after_it_did_not_help_hands_off():
    assert handoff_reason(reply_to_yes_no("affirm", "utter_kb_not_helpful_human")) == "shopper_asked"
