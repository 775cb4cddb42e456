from actions.csat import rating_from


def test_rating_from_payload_digits_or_stars():
    assert rating_from('/rate{"rating": 4}', 4) == 4
    assert rating_from("I'd say 3 out of 5", None) == 3
    assert rating_from("★★★★★", None) == 5
    assert rating_from("it was great", None) is None
    assert rating_from("order 100234", None) is None  # a number inside a longer one is no rating
