"""Which trackers hold a verification: only the session that made it, over the channel it names.

Through the real stack: tests/channels/test_customers.py.
"""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker

from actions.order_status import OrderServices, known_order, proven_order
from customers.identities import claims_other_platform, platform_identities, platform_identity
from orders.remembered import MemoryRecords, RememberedVerifications
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


def test_a_later_session_gets_only_its_own_identitys_remembered_order():
    memory = RememberedVerifications(b"a-verification-key-for-these-tests", 12 * 3600, MemoryRecords())
    # Only what known_order uses: the session proofs and the remembered verifications.
    orders = OrderServices(settings=None, backend=None, lookups=None, failures=None, proofs=PROOFS, remembered=memory)

    async def scenario() -> None:
        await memory.remember(SENDER, "100205")
        later = tracker(SENDER, "whatsapp", 5000.0)
        assert await known_order(later, orders) == ("100205", await memory.recall(SENDER))
        # A forged tracker (someone else's proof slots) in another WhatsApp user's session: nothing.
        proof = PROOFS.issue(f"{SENDER}#1000.0", "100205")
        forged = tracker("whatsapp:48500100999", "whatsapp", 5000.0, verified_order="100205", order_verification=proof)
        assert await known_order(forged, orders) == (None, None)
        # Her id written to over REST, and "Another order" asked: nothing.
        assert await known_order(tracker(SENDER, "rest", 5000.0), orders) == (None, None)
        assert await known_order(tracker(SENDER, "whatsapp", 5000.0, order_choice="another"), orders) == (None, None)

    asyncio.run(scenario())
