"""One history across channels, through the real Rasa server, action server and desk.

A customer verifies an order in the website widget (socket.io) and later writes on WhatsApp:
the desk shows both conversations as one customer's; someone else is never linked to her; and
the link never gives order data to anyone: a different sender, a forged or replayed proof, a
REST client borrowing her sender id, her own account on another channel, each has to verify
again. Only the identity that verified (the same WhatsApp account, widget session or REST
sender) is answered at once in a later session, naming the order, with "Another order".

A new session is started with ``/session_start``, as Rasa does it when a conversation has been
idle for ``session_expiration_time`` (60 minutes).
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.channels.conftest import WHATSAPP_APP_SECRET, Assistant
from tests.channels.whatsapp_chat import WhatsAppChat
from tests.desk.agent_client import AgentClient, wait_for
from tests.desk.socketio_shopper import SocketShopper

EMAIL = "magda.kaminska@example.com"
ASK_VERIFIER = "what's the e-mail address you ordered with"
ASK_NUMBER = "What's your order number?"
WELCOME_BACK = "Welcome back! You already checked order 100205 here"
TURN_SECONDS = 90  # a turn on a machine shared with other jobs
TRANSCRIPT_LINK = re.compile(r'href="(/customers/conversations/\d+)"')


def whatsapp(assistant: Assistant) -> WhatsAppChat:
    return WhatsAppChat(assistant.stack, assistant.whatsapp, WHATSAPP_APP_SECRET)


def verify_on_whatsapp(chat: WhatsAppChat, number: str = "100205", email: str = EMAIL) -> None:
    assert ASK_VERIFIER in chat.say(f"where is my order {number}?")
    reply = chat.say(email)
    assert number in reply and ASK_VERIFIER not in reply


def new_session(chat: WhatsAppChat) -> None:
    """``/session_start`` from the shopper; the turn is over once the tracker shows one more session start."""
    def sessions() -> int:
        return sum(e["event"] == "session_started" for e in chat.stack.tracker(chat.sender_id)["events"])

    before = sessions()
    assert chat.post(chat.text_update("/session_start")).status_code == 200
    wait_for("the new session", lambda: sessions() > before and chat.stack.tracker(chat.sender_id)["events"][-1].get(
        "name") == "action_listen", 60)


def handoff_page(assistant: Assistant, anna: AgentClient, chat: WhatsAppChat) -> str:
    chat.say("I want to talk to a person")
    handoff = wait_for("the handoff in the queue", lambda: anna.waiting_handoff(chat.sender_id))
    return anna.page(handoff["id"])


@pytest.fixture(scope="module")
def widget(assistant: Assistant) -> SocketShopper:
    """Magda, who verified her order in the website widget."""
    shopper = SocketShopper(assistant.stack.rasa_url)
    shopper.say("where is my order 100205?")
    shopper.wait_for_text(ASK_VERIFIER, TURN_SECONDS)
    shopper.say(EMAIL)
    shopper.wait_for_text("Order 100205 has been delivered", TURN_SECONDS)
    yield shopper
    shopper.close()


def test_the_widget_and_whatsapp_conversations_of_one_customer_are_linked_in_the_desk(
    assistant: Assistant, widget: SocketShopper
):
    chat = whatsapp(assistant)
    verify_on_whatsapp(chat)
    anna = assistant.agent("anna")
    try:
        page = handoff_page(assistant, anna, chat)
        assert "This customer's other conversations" in page
        transcripts = {link: anna.http.get(link, headers={"Accept": "text/html"}) for link in TRANSCRIPT_LINK.findall(page)}
        widget_link = next(link for link, r in transcripts.items() if widget.session_id in r.text)
        row = page[page.index(widget_link) - 200: page.index(widget_link) + 400]
        assert "socketio" in row and "where is my order 100205?" in row and "Order status given" in row
        transcript = transcripts[widget_link].text
        assert "where is my order 100205?" in transcript and ASK_VERIFIER.replace("'", "&#39;") in transcript

        # Only signed-in agents see it.
        anonymous = httpx.get(f"{assistant.desk.url}{widget_link}", headers={"Accept": "text/html"}, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/login"
        assert widget.session_id not in anonymous.text
    finally:
        anna.sign_out()


def test_a_different_customer_is_never_linked(assistant: Assistant, widget: SocketShopper):
    other = whatsapp(assistant)
    verify_on_whatsapp(other, "100212", "marcin.jankowski@example.com")
    # A stranger who types Magda's order and address wrongly is not linked either.
    assert ASK_VERIFIER in other.say("and where is order 100205?")
    assert "100205" not in other.say("magda@example.com")
    anna = assistant.agent("anna")
    try:
        page = handoff_page(assistant, anna, other)
        assert "None linked" in page and not TRANSCRIPT_LINK.findall(page)
    finally:
        anna.sign_out()


def test_only_her_own_account_is_answered_in_a_later_session_never_another_sender_a_forgery_or_rest(
    assistant: Assistant,
):
    stack = assistant.stack
    magda = whatsapp(assistant)
    verify_on_whatsapp(magda)
    proof = stack.tracker(magda.sender_id)["slots"]["order_verification"]
    assert proof

    # Her proof replayed into another WhatsApp user's conversation, and a forged one into a third's.
    for chat, value in ((whatsapp(assistant), proof), (whatsapp(assistant), "1764600000.bm90LWEtcmVhbC1wcm9vZg")):
        chat.say("hello")
        events = [{"event": "slot", "name": "verified_order", "value": "100205"},
                  {"event": "slot", "name": "order_verification", "value": value}]
        response = httpx.post(f"{stack.rasa_url}/conversations/{chat.sender_id}/tracker/events",
                              params={"token": stack.token}, json=events, timeout=30)
        assert response.status_code == 200, response.text
        reply = chat.say("where is my order?")
        assert ASK_NUMBER in reply and "100205" not in reply

    # A REST client that names itself after her WhatsApp id gets nothing, in her own session.
    texts = " ".join(m.get("text", "") for m in stack.send(magda.sender_id, "where is my order?"))
    assert ASK_NUMBER in texts and "100205" not in texts
    texts = " ".join(m.get("text", "") for m in stack.send(magda.sender_id, "where is my order 100205?"))
    assert ASK_VERIFIER in texts and "delivered" not in texts

    # Her own later session on her WhatsApp: answered at once, naming the order; "Another order" checks again.
    new_session(magda)
    reply = magda.say("where is my order?")
    assert WELCOME_BACK in reply and "has been delivered" in reply
    assert ASK_NUMBER not in reply and ASK_VERIFIER not in reply
    # The REST client borrowing her id in her new session still gets nothing (and gives up).
    texts = " ".join(m.get("text", "") for m in stack.send(magda.sender_id, "where is my order?"))
    assert ASK_NUMBER in texts and "100205" not in texts
    stack.send(magda.sender_id, "no")
    assert ASK_NUMBER in magda.tap("Another order")
    assert ASK_VERIFIER in magda.say("100212")
    assert "100212" not in magda.say(EMAIL)  # her e-mail is not that order's: a real check, and it fails


def test_a_website_session_is_reused_by_that_session_only(assistant: Assistant, widget: SocketShopper):
    widget.say("/session_start")
    widget.say("where is my order?")
    welcome = widget.wait_for_text("Welcome back", TURN_SECONDS)
    assert WELCOME_BACK in welcome["text"] and [b["title"] for b in welcome["quick_replies"]] == ["Another order"]
    widget.wait_for_text("Order 100205 has been delivered", TURN_SECONDS)

    # Magda on WhatsApp, a channel she never verified on, is asked; so is another browser.
    chat = whatsapp(assistant)
    reply = chat.say("where is my order?")
    assert ASK_NUMBER in reply and "100205" not in reply
    other_browser = SocketShopper(assistant.stack.rasa_url)
    try:
        other_browser.say("where is my order?")
        assert "100205" not in other_browser.wait_for_text("order number", TURN_SECONDS)["text"]
    finally:
        other_browser.close()


def test_a_rest_client_is_answered_in_its_next_session_and_another_sender_is_asked(assistant: Assistant):
    def say(sender: str, text: str) -> str:
        return " ".join(m.get("text", "") for m in assistant.stack.send(sender, text))

    sender, other = (f"c{uuid.uuid4().hex}" for _ in range(2))
    assert ASK_VERIFIER in say(sender, "where is my order 100205?")
    assert "Order 100205 has been delivered" in say(sender, EMAIL)
    say(sender, "/session_start")
    reply = say(sender, "where is my order?")
    assert WELCOME_BACK in reply and ASK_VERIFIER not in reply
    reply = say(other, "where is my order 100205?")
    assert ASK_VERIFIER in reply and "delivered" not in reply
