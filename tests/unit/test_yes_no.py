from actions.yes_no import reply_to_yes_no


def test_yes_to_a_human_offer_gets_a_person():
    assert reply_to_yes_no("affirm", "utter_kb_dont_know") == "utter_human_contact"
    assert reply_to_yes_no("affirm", "utter_kb_unavailable") == "utter_human_contact"


def test_no_or_yes_out_of_context_asks_what_else():
    assert reply_to_yes_no("deny", "utter_kb_dont_know") == "utter_anything_else"
    assert reply_to_yes_no("affirm", "utter_greet") == "utter_anything_else"
    assert reply_to_yes_no("affirm", None) == "utter_anything_else"
