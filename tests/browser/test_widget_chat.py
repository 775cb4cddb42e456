"""A shopper using the chat widget on the demo shop, against the real Rasa and action servers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.chat import ANSWER_TIMEOUT_MS, DELIVERY_ANSWER, DELIVERY_QUESTION, GREETING, Chat
from tests.browser.servers import end_handoff, send_as_agent, start_shop, user_texts
from tests.support.processes import ARTIFACTS
from tests.support.stack import Stack

DELIVERY_URL = "https://bramble-birch.example/help/delivery#times"


def test_faq_question_is_answered_with_a_link_that_opens_in_a_new_tab(page: Page, shop: str):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
    link = chat.log.get_by_role("link", name=DELIVERY_URL)
    expect(link).to_have_attribute("href", DELIVERY_URL)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    expect(chat.log.locator(".msg--user time").last).to_have_text(re.compile(r"\d{1,2}:\d\d"))
    expect(chat.typing).to_be_hidden()
    page.screenshot(path=ARTIFACTS / "widget-desktop-answer.png")


def test_quick_reply_button_sends_its_choice(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    chat.reply_buttons().filter(has_text="Talk to a person").click()
    expect(chat.user_messages().last).to_have_text("Talk to a person")
    expect(chat.reply_buttons().filter(has_text="Talk to a person")).to_have_count(0)  # a choice is made once
    expect(chat.bot_messages().filter(has_text="e-mail")).not_to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    chat.wait_until_answered()
    assert user_texts(stack, chat.session_id())[-1] == "/request_human"


def test_conversation_survives_a_reload(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
    session_id = chat.session_id()
    page.reload()
    expect(chat.panel).to_be_visible()
    expect(chat.user_messages()).to_have_text([DELIVERY_QUESTION])
    expect(chat.bot_messages().filter(has_text=DELIVERY_ANSWER)).to_have_count(1)
    chat.ask("can I pay with paypal?", re.compile("PayPal", re.I))
    assert chat.session_id() == session_id
    assert user_texts(stack, session_id) == [DELIVERY_QUESTION, "can I pay with paypal?"]


def test_conversation_continues_on_another_page(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
    session_id = chat.session_id()
    page.get_by_role("navigation").get_by_role("link", name="Oak Arc lamp").click()
    expect(page).to_have_url(f"{shop}/oak-arc-floor-lamp.html")
    expect(chat.user_messages()).to_have_text([DELIVERY_QUESTION])
    chat.ask("what's your returns policy?", "30 days")
    assert user_texts(stack, session_id) == [DELIVERY_QUESTION, "what's your returns policy?"]


def test_markup_typed_by_a_shopper_or_sent_by_an_agent_shows_as_text(page: Page, shop: str, stack: Stack, dialogs: list[str]):
    attack = "<img src=x onerror=alert(1)>"
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.say(attack)
    expect(chat.user_messages().last).to_have_text(attack)
    expect(chat.bot_messages().nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)  # the bot's reply, after the greeting
    send_as_agent(stack, chat.session_id(), "Anna", '<script>alert("agent")</script> <b>bold</b>')
    expect(chat.bot_messages().last).to_contain_text('<script>alert("agent")</script> <b>bold</b>')
    expect(chat.log.locator("img, script, b")).to_have_count(0)
    assert dialogs == []


def test_agent_reply_shows_who_wrote_it_and_rating_is_given_with_stars(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    session_id = chat.session_id()
    send_as_agent(stack, session_id, "Anna", "Hi, I'm Anna from the team. Your parcel left Kraków today.")
    agent_message = chat.log.locator(".msg--agent")
    expect(agent_message.locator(".who")).to_contain_text("Anna")
    expect(agent_message.locator(".bubble")).to_have_text("Hi, I'm Anna from the team. Your parcel left Kraków today.")
    bot_background = chat.log.locator(".msg--bot .bubble").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert agent_message.locator(".bubble").evaluate("el => getComputedStyle(el).backgroundColor") != bot_background
    end_handoff(stack, session_id)
    four_stars = page.get_by_role("button", name="4 stars out of 5")
    expect(four_stars).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(chat.log.get_by_role("group", name="Rate this conversation").get_by_role("button")).to_have_count(5)
    four_stars.hover()
    page.screenshot(path=ARTIFACTS / "widget-agent-and-rating.png")
    four_stars.click()
    expect(chat.log.locator(".msg--user").last).to_contain_text("4 stars out of 5")
    expect(chat.bot_messages().filter(has_text="Thank you")).not_to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    chat.wait_until_answered()
    assert user_texts(stack, session_id)[-1] == '/rate{"rating": 4}'


def test_unread_badge_counts_messages_that_arrive_while_closed(page: Page, shop: str, stack: Stack):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    chat.ask("hello", GREETING)
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    send_as_agent(stack, chat.session_id(), "Anna", "Are you still there?")
    badge = page.locator("shop-assistant-widget .badge")
    expect(badge).to_have_text("1")
    expect(page.get_by_role("button", name="Open chat, 1 unread message")).to_be_visible()
    chat.launcher.click()
    expect(chat.bot_messages().last).to_contain_text("Are you still there?")
    chat.input.press("Escape")
    expect(badge).to_be_hidden()


def test_keyboard_only_conversation(page: Page, shop: str):
    page.goto(shop)
    chat = Chat(page)
    for _ in range(40):  # Tab through the shop's links until the chat button has the focus
        page.keyboard.press("Tab")
        if chat.launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    reply = chat.reply_buttons().filter(has_text="Talk to a person")
    expect(reply).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    # One "Talk to a person" button, not two: the widget's own bar gives way to the bot's.
    expect(page.get_by_role("button", name="Talk to a person")).to_have_count(1)
    page.keyboard.press("Shift+Tab")  # the paperclip, before the text box
    expect(page.get_by_role("button", name="Send a photo or PDF")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # "E-mail me this chat"
    page.keyboard.press("Shift+Tab")  # the bot's quick reply
    expect(reply).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.user_messages().last).to_have_text("Talk to a person")
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()


def test_new_messages_are_announced_by_a_live_region(page: Page, shop: str):
    page.goto(shop)
    chat = Chat(page)
    chat.open()
    expect(chat.log).to_have_attribute("aria-live", "polite")
    chat.ask("hello", GREETING)
    expect(chat.log.locator("li").last).to_contain_text(f"Assistant: Hi! I'm the {GREETING}")


def test_narrow_screen_gets_a_full_screen_chat(browser, shop: str):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(shop)
        chat = Chat(page)
        chat.launcher.tap()
        chat.ask(DELIVERY_QUESTION, DELIVERY_ANSWER)
        expect(chat.log.get_by_role("link")).to_be_visible()
        assert chat.panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}
        page.screenshot(path=ARTIFACTS / "widget-narrow.png")
    finally:
        context.close()


def test_widget_speaks_the_page_language_unless_the_snippet_says_otherwise(page: Page, shop: str, stack: Stack):
    page.goto(f"{shop}/pl.html")
    expect(page.get_by_role("button", name="Otwórz czat")).to_be_visible()
    # A Polish page whose snippet asks for Russian.
    snippet = f'<script src="/widget/widget.js" data-rasa-url="{stack.rasa_url}" data-lang="ru"></script>'
    body = f'<!doctype html><html lang="pl"><body><p>Sklep</p>{snippet}</body></html>'
    page.route(f"{shop}/embedded-in-russian.html", lambda route: route.fulfill(content_type="text/html", body=body))
    page.goto(f"{shop}/embedded-in-russian.html")
    page.get_by_role("button", name="Открыть чат").click()
    expect(page.get_by_role("textbox", name="Ваше сообщение")).to_be_focused()
    expect(page.get_by_role("button", name="Поговорить с сотрудником")).to_be_visible()


def test_widget_works_when_loaded_from_another_origin(page: Page, stack: Stack):
    server, shop = start_shop(stack, widget_from_other_origin=True)
    try:
        page.goto(shop)
        expect(page.locator("script[src*='/widget/widget.js']")).to_have_attribute("src", re.compile(r"^http://localhost:"))
        chat = Chat(page)
        chat.open()
        chat.ask("hello", GREETING)
    finally:
        server.stop()


def test_widget_works_under_the_shops_strict_content_security_policy(page: Page, shop: str):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    response = page.goto(shop)
    assert "style-src 'self';" in response.headers["content-security-policy"]  # no inline styles allowed
    chat = Chat(page)
    chat.open()
    assert chat.panel.evaluate("el => getComputedStyle(el).position") == "fixed"  # the widget's styles apply
    chat.ask("hello", GREETING)
    assert violations == []


def test_widget_and_shop_styles_do_not_mix(page: Page, shop: str):
    page.goto(shop)
    shop_button = page.get_by_role("button", name="Shop the new collection")
    shop_look = shop_button.evaluate("el => [getComputedStyle(el).textTransform, getComputedStyle(el).fontFamily]")
    chat = Chat(page)
    chat.open()
    assert shop_button.evaluate("el => [getComputedStyle(el).textTransform, getComputedStyle(el).fontFamily]") == shop_look
    human = page.get_by_role("button", name="Talk to a person")
    assert human.evaluate("el => getComputedStyle(el).textTransform") == "none"  # the shop makes its buttons uppercase
    assert "Georgia" not in human.evaluate("el => getComputedStyle(el).fontFamily")  # the shop's font stays outside
