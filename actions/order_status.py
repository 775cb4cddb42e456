"""Order status: the form that collects the order number and a verifier, and the lookup.

The conversation it serves:

    shopper: where is my order?            -> form asks for the number
    shopper: 100234                        -> form asks for the e-mail or postcode
    shopper: ana@example.com               -> lookup: status, tracking, expected delivery
    shopper: and when will it arrive?      -> same order, no new check (verified in this conversation)
    shopper: and order 100240?             -> a new number: a new check
    shopper: where is my order? / another order, while the form waits
                                           -> the check starts over (a number in it is kept)

"No such order" and "wrong e-mail" get the same reply, so numbers cannot be
probed. After a failed check the number is kept and the e-mail or postcode
asked for again. Failed checks are counted server-side per conversation, per
order number, per client address and overall (orders/lockout.py): the failure
that uses up the conversation's attempts hands over to a person, and a used-up
limit locks the checks it covers, right details or wrong.

A verified order is remembered with a proof only the action servers can sign
(orders.verification.VerificationProof), never by the ``verified_order`` slot
alone: a tracker that merely claims a verification gets nothing.

A sender id that names a messenger user ("whatsapp:48...") has its proof honoured only for a
message that came through that messenger: a REST client posting under that id shares the
tracker, never the verification (docs/security.md).

A returning shopper is not asked again: a verification is also remembered by the action servers
for the identity that made it (orders/remembered.py; the same messenger account, or the same
widget/REST sender on its channel) for ``orders.reuse_verification_hours``. In a later session
the order question is answered at once, naming the order, with an "Another order" button that
checks again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_replies import order_status_replies
from actions.order_settings import OrderSettings, load_order_settings
from actions.security import verification_key
from bot.channels.metadata import message_client_address
from customers.identities import claims_other_platform, reuse_identity
from orders.backends import BackendError, make_backend
from orders.backends.base import OrderBackend
from orders.extraction import extract
from orders.lockout import CheckKeys, FailedCheckLimits
from orders.model import Order
from orders.remembered import Remembered, RememberedVerifications, record_store
from orders.verification import LookupLimiter, VerificationProof, verify

log = logging.getLogger(__name__)
FORM_SLOTS = ("order_number", "order_verifier")
RESET = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "order_choice")]
ANOTHER_ORDER = "another"  # order_choice after "Another order": check again, re-use nothing


@dataclass(frozen=True)
class OrderServices:
    """Everything the order actions share, built once per action server from assistant.yml."""

    settings: OrderSettings
    backend: OrderBackend
    lookups: LookupLimiter
    failures: FailedCheckLimits
    proofs: VerificationProof
    remembered: RememberedVerifications


@functools.cache
def order_services() -> OrderServices:
    settings = load_order_settings()
    return OrderServices(
        settings=settings,
        backend=make_backend(settings.lookup),
        lookups=LookupLimiter(settings.per_conversation, settings.per_sender, storage_uri=settings.storage_uri),
        failures=FailedCheckLimits(**settings.failed_checks, storage_uri=settings.storage_uri),
        proofs=VerificationProof(verification_key(), settings.verified_for_seconds),
        remembered=RememberedVerifications(verification_key(), settings.remembered_for_seconds,
                                           record_store(settings.storage_uri)),
    )


def conversation_id(tracker: Tracker) -> str:
    """The sender plus the start of the current session: a verified order never outlives it."""
    started = next((e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "session_started"), 0)
    return f"{tracker.sender_id}#{started}"


def proven_order(tracker: Tracker, proofs: VerificationProof) -> str | None:
    """The order this conversation verified, if the proof the action issued for it still holds."""
    if claims_other_platform(tracker.sender_id, tracker.get_latest_input_channel()):
        return None  # "whatsapp:48..." written to over REST is not that WhatsApp user
    order = tracker.get_slot("verified_order")
    return order if proofs.holds(tracker.get_slot("order_verification"), conversation_id(tracker), order) else None


async def known_order(tracker: Tracker, orders: OrderServices) -> tuple[str | None, Remembered | None]:
    """The order verified in this session, else the one this message's own identity verified in an
    earlier session (with its record); nothing once the shopper asked about another order."""
    if tracker.get_slot("order_choice") == ANOTHER_ORDER:
        return None, None
    verified = proven_order(tracker, orders.proofs)
    if verified is not None:
        return verified, None
    identity = reuse_identity(tracker.sender_id, tracker.get_latest_input_channel())
    remembered = await orders.remembered.recall(identity) if identity is not None else None
    return (remembered.order_number, remembered) if remembered else (None, None)


def unread_message(tracker: Tracker) -> str:
    """The shopper's latest text, or "" when a check has already used it.

    After a failed check the form comes back to ask again; reading the same message once more
    would repeat the check it already failed.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") == "action_order_status":
            return ""
    return tracker.latest_message.get("text") or ""


def number_in_message(tracker: Tracker) -> str | None:
    # A bare number counts as an order number only when that is what the bot asked for.
    return extract(unread_message(tracker), tracker.get_slot("requested_slot")).order_number


def verifier_kind(verifier: str) -> str:
    return "email" if "@" in verifier else "postcode"


class ValidateOrderStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_status_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[str]:
        verified, _ = await known_order(tracker, order_services())
        # The number in this very message counts: slots are extracted only after this is asked.
        asked_for = number_in_message(tracker) or tracker.get_slot("order_number")
        # A follow-up about the order already verified (in this conversation, or remembered) needs no new check.
        if verified and asked_for in (None, verified) and not tracker.get_slot("order_verifier"):
            return []
        return domain_slots

    async def extract_order_number(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        number = number_in_message(tracker)
        return {"order_number": number} if number else {}

    async def extract_order_verifier(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict:
        found = extract(
            unread_message(tracker),
            "postcode" if tracker.get_slot("requested_slot") == "order_verifier" else None,
        )
        verifier = found.email or found.postcode
        return {"order_verifier": verifier} if verifier else {}


class ActionRestartOrderCheck(Action):
    """An order question while the form waits for a number or an e-mail: the shopper means a new
    check (usually another order), so what the form collected is dropped and the rules start the
    form afresh, which reads a number in this very message."""

    def name(self) -> str:
        return "action_restart_order_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [*RESET, SlotSet("order_choice", ANOTHER_ORDER), SlotSet("requested_slot", None), ActiveLoop(None)]


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        orders = order_services()
        verified, remembered = await known_order(tracker, orders)
        number = tracker.get_slot("order_number") or verified
        verifier = tracker.get_slot("order_verifier")

        if verified is not None and number == verified and verifier is None:
            order = await self.fetch(dispatcher, tracker, orders, number)
            if order is None:  # the shop is down, or the order is gone from it since
                return RESET
            if remembered is None:
                return self.tell_status(dispatcher, tracker, order)
            dispatcher.utter_message(response="utter_order_remembered", number=order.number)
            # Verified in this session from now on, but never past the remembered record.
            issued = min(time.time(), remembered.expires - orders.settings.verified_for_seconds)
            return [*self.tell_status(dispatcher, tracker, order), SlotSet("verified_order", order.number),
                    SlotSet("order_verification", orders.proofs.issue(conversation_id(tracker), order.number, issued))]
        if number is None or verifier is None:
            dispatcher.utter_message(response="utter_order_need_details")
            return RESET
        check = CheckKeys(tracker.sender_id, number, message_client_address(tracker.latest_message))
        # In threads: a limits storage that hangs holds this shopper, not every conversation on this server.
        if await asyncio.to_thread(orders.failures.locked, check):
            dispatcher.utter_message(response="utter_order_verification_locked")
            return RESET
        if not await asyncio.to_thread(orders.lookups.allow, conversation_id(tracker), tracker.sender_id):
            dispatcher.utter_message(response="utter_order_too_many_lookups")
            return RESET

        try:
            order = await orders.backend.fetch(number)
        except BackendError as error:
            return self.backend_failed(dispatcher, tracker, error)
        if order is None or not verify(order, **{verifier_kind(verifier): verifier}):
            return await self.check_failed(dispatcher, orders, check)
        proof = orders.proofs.issue(conversation_id(tracker), order.number)
        identity = reuse_identity(tracker.sender_id, tracker.get_latest_input_channel())
        if identity is not None:
            await orders.remembered.remember(identity, order.number)
        return [*self.tell_status(dispatcher, tracker, order), SlotSet("verified_order", order.number),
                SlotSet("order_verification", proof)]

    @staticmethod
    async def fetch(dispatcher: CollectingDispatcher, tracker: Tracker, orders: OrderServices, number: str) -> Order | None:
        try:
            order = await orders.backend.fetch(number)
        except BackendError as error:
            ActionOrderStatus.backend_failed(dispatcher, tracker, error)
            return None
        if order is None:
            dispatcher.utter_message(response="utter_order_backend_error")
        return order

    @staticmethod
    def backend_failed(dispatcher: CollectingDispatcher, tracker: Tracker, error: BackendError) -> list[EventType]:
        log.warning("order lookup failed in conversation %s: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_order_backend_error")
        return RESET

    @staticmethod
    async def check_failed(dispatcher: CollectingDispatcher, orders: OrderServices, check: CheckKeys) -> list[EventType]:
        if await asyncio.to_thread(orders.failures.record_failure, check):
            dispatcher.utter_message(response="utter_order_verification_handoff")
            return [*RESET, SlotSet("handoff_reason", "verification_failed"), FollowupAction("action_handoff")]
        dispatcher.utter_message(response="utter_order_not_verified")
        # Keep the number and ask for the e-mail or postcode again (a new number is still taken).
        return [SlotSet("order_verifier", None), FollowupAction("order_status_form")]

    @staticmethod
    def tell_status(dispatcher: CollectingDispatcher, tracker: Tracker, order: Order) -> list[EventType]:
        for reply in order_status_replies(order, tracker.get_slot("language") or "en"):
            dispatcher.utter_message(**reply.as_kwargs())
        return [*RESET, SlotSet("order_status", order.status.value)]
