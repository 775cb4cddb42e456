"""Which trackers hold a verification: only the session that made it, over the channel it names.

Through the real stack: tests/channels/test_customers.py.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.order_status import proven_order
from customers.identities import claims_other_platform, platform_identities, platform_identity
from orders.verification import VerificationProof

PROOFS = VerificationProof(b"a-verification-key-for-these-tests", 2 * 3600)
SENDER = "whatsapp:48500100200"


def tracker(sender: str, channel: str, session: float, **slots: str | None) -> Tracker:
    events = [{"event": "session_started", "timestamp": session},
              {"event": "user", "timestamp": session + 1, "text": "where is my order?", "input_channel": channel}]
    return Tracker(sender, slots, {"text": "where is my order?"}, events, False, None, None, "action_listen")


def test_a_proof_holds_in_its_session_over_its_own_channel_only():
    proof = PROOFS.issue(f"{SENDER}#1000.0", "100205")
    assert proven_order(tracker(SENDER, "whatsapp", 1000.0, verified_order="100205", order_verification=proof), PROOFS)
    # A later session, another sender, another order, a REST client naming itself after her: nothing.
    assert not proven_order(tracker(SENDER, "whatsapp", 2000.0, verified_order="100205", order_verification=proof), PROOFS)
    assert not proven_order(tracker("whatsapp:48500100999", "whatsapp", 1000.0, verified_order="100205",
                                    order_verification=proof), PROOFS)
    assert not proven_order(tracker(SENDER, "whatsapp", 1000.0, verified_order="100206", order_verification=proof), PROOFS)
    assert not proven_order(tracker(SENDER, "rest", 1000.0, verified_order="100205", order_verification=proof), PROOFS)


def test_which_channels_vouch_for_their_senders():
    assert platform_identity("telegram:4242", "telegram") == "telegram:4242"
    assert platform_identity("telegram:4242", "rest") is None
    assert platform_identity("sio-abc", "socketio") is None
    assert platform_identities(SENDER, "whatsapp") == [("account", SENDER), ("phone", "48500100200")]
    assert claims_other_platform(SENDER, "rest") and not claims_other_platform("sio-1", "rest")
    assert not claims_other_platform(SENDER, "whatsapp")
