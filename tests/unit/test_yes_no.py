from actions.yes_no import reply_to_yes_no


def test_yes_to_a_human_offer_gets_a_person_and_no_does_not():
    assert reply_to_yes_no("affirm", "utter_kb_dont_know") == "utter_human_contact"
    assert reply_to_yes_no("affirm", "utter_kb_unavailable") == "utter_human_contact"
    assert reply_to_yes_no("deny", "utter_kb_dont_know") == "utter_anything_else"


def test_yes_or_no_without_an_offer_is_left_to_the_kb():
    assert reply_to_yes_no("affirm", "utter_greet") is None
    assert reply_to_yes_no("affirm", None) is None
