"""The messenger, polished (issue #12): a refused form says what is wrong next to the field, in
the visitor's language and in words a visitor understands; and the messenger follows the
visitor's dark mode while the inbox's brand colour stays the inbox's (a light one keeping dark
text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from frontdesk.config import Settings
from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS
from tests.e2e.test_messenger import (
    Website,
    axe_ok,
    chat_id,
    launcher,
    messenger,
    online_agent,
    shot,
)

pytestmark = DESK_TESTS

LIMIT = 280  # the server's message limit here, below the messenger's own 5000-character cap


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_message_length": LIMIT})


async def visit(
    browser: Browser, site: Website, *, locale: str = "en-US", dark: bool = False
) -> tuple[BrowserContext, Page, Locator]:
    context = await browser.new_context(
        viewport={"width": 1200, "height": 800},
        locale=locale,
        color_scheme="dark" if dark else "light",
    )
    context.set_default_timeout(8000)
    page = await context.new_page()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    return context, page, panel


async def start_chat(panel: Locator, text: str) -> None:
    """The visitor writes and starts a chat, and it waits for an agent."""
    await panel.get_by_label("Message", exact=True).fill(text)
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")


async def test_a_rejected_email_is_explained_next_to_the_field(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, _ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    email = panel.get_by_label("Email")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await email.fill("marie@shop.local")
    await panel.get_by_label("Message", exact=True).fill("Where is my order?")
    await panel.get_by_role("button", name="Start chat").click()

    words = "That email address can't receive mail. Check it for typos."
    await expect(panel.locator(".field-error:visible")).to_have_text([words])
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_be_focused()
    # Read with the field: the error first, then the hint that was already there.
    await expect(email).to_have_accessible_description(f"{words} So we can follow up by email.")
    await expect(panel.locator(".notice")).to_be_hidden()
    await expect(panel).not_to_contain_text("special-use")
    await expect(panel.get_by_label("Your name")).not_to_have_attribute("aria-invalid", "true")
    await shot(page, screenshots, "email-refused")
    await axe_ok(page, "email refused")

    # Fixing the field takes the error away; the chat then starts.
    await email.fill("marie@example.org")
    await expect(email).not_to_have_attribute("aria-invalid", "true")
    await expect(panel.locator(".field-error:visible")).to_have_count(0)
    await expect(email).to_have_accessible_description("So we can follow up by email.")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_contain_text("Waiting for someone to join")
    await context.close()


async def test_start_chat_errors_and_a_message_over_the_limit_in_french(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, _ada = await online_agent(desk)
    site.key = support["public_key"]
    site.lang = "fr"
    context, page, panel = await visit(browser, site, locale="fr-FR")
    name = panel.get_by_label("Votre nom")
    email = panel.get_by_label("E-mail")
    message = panel.get_by_label("Message", exact=True)
    start = panel.get_by_role("button", name="Démarrer le chat")

    # Nothing typed: the messenger says so itself, in French, not the browser in its language.
    await start.click()
    await expect(message).to_have_attribute("aria-invalid", "true")
    await expect(message).to_be_focused()
    await expect(message).to_have_accessible_description("Écrivez votre message.")

    # The server refuses a name too long, an address with a typo, a message over its limit: each
    # next to its field, the first one focused.
    await name.fill("M" * 201)
    await email.fill("marie@example..org")
    await message.fill("x" * (LIMIT + 1))
    await start.click()
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(name).to_be_focused()
    await expect(name).to_have_accessible_description(
        "C'est trop long : 200 caractères au maximum."
    )
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_accessible_description(
        "Cela ne ressemble pas à une adresse e-mail. Vérifiez qu'il n'y a pas de faute de "
        "frappe. Pour pouvoir vous répondre par e-mail."
    )
    await expect(panel.locator(".notice")).to_be_hidden()
    await axe_ok(page, "french errors")

    # The length of the message is the server's own setting, checked once the rest is right.
    await name.fill("Marie")
    await email.fill("marie@example.org")
    await start.click()
    await expect(message).to_have_attribute("aria-invalid", "true")
    await expect(message).to_be_focused()
    await expect(message).to_have_accessible_description(
        f"C'est trop long : {LIMIT} caractères au maximum."
    )
    await expect(panel.locator(".field-error:visible")).to_have_count(1)

    # In the chat it then starts, a message over the limit says why in the visitor's words
    # (this was a test of its own, with a visitor of its own).
    await message.fill("Bonjour")
    await start.click()
    composer = panel.locator(".composer-input")
    await expect(composer).to_be_visible()
    long = "y" * (LIMIT + 1)
    await composer.fill(long)
    await composer.press("Enter")
    failed = panel.locator('.msg[data-state="failed"]')
    await expect(failed).to_contain_text(
        f"Non envoyé : C'est trop long : {LIMIT} caractères au maximum."
    )
    await expect(composer).to_have_value(long)
    await context.close()


async def test_contact_form_errors_next_to_their_fields(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support = await desk.inbox()
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await expect(panel).to_contain_text("Nobody is online right now")
    name = panel.get_by_label("Your name")
    email = panel.get_by_label("Email")
    message = panel.get_by_label("Message")
    send = panel.get_by_role("button", name="Send message")

    await send.click()
    await expect(name).to_be_focused()
    await expect(name).to_have_accessible_description("Please tell us your name.")
    await expect(email).to_have_accessible_description(
        "Please give your email address, so we can reply. We'll reply to this address."
    )
    await expect(message).to_have_accessible_description("Please write your message.")
    await expect(panel.locator(".field-error:visible")).to_have_count(3)

    await name.fill("Linus Pauling")
    await email.fill("linus@localhost")
    await message.fill("x" * (LIMIT + 20))
    await send.click()
    await expect(email).to_be_focused()
    await expect(email).to_have_accessible_description(
        "That email address can't receive mail. Check it for typos. We'll reply to this address."
    )
    await expect(name).not_to_have_attribute("aria-invalid", "true")
    await shot(page, screenshots, "contact-refused")
    await axe_ok(page, "contact refused")

    await email.fill("linus@example.org")
    await send.click()
    await expect(message).to_be_focused()
    await expect(message).to_have_accessible_description(
        f"That's too long: at most {LIMIT} characters."
    )
    await message.fill("Do you ship to Norway?")
    await send.click()
    await expect(panel).to_contain_text("Your reference number is #")
    await context.close()


async def test_the_server_names_the_field_and_a_stable_code(desk: Desk, http: Any) -> None:
    """What the messenger maps to words; API users keep the English message."""
    support = await desk.inbox()
    visitor = await http.post("/messenger/v1/visitors", json={"inbox": support["public_key"]})
    token = visitor.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    async def refused(body: dict[str, Any]) -> list[dict[str, Any]]:
        response = await http.post("/messenger/v1/contact", json=body, headers=headers)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] in ("invalid", "message_too_long")
        assert error["message"]
        return list(error["fields"])

    base = {"name": "Linus", "email": "linus@example.org", "text": "Hello"}
    assert await refused(base | {"email": "linus@shop.local"}) == [
        {
            "field": "email",
            "code": "email_unroutable",
            "message": "This address cannot receive mail: The part after the @-sign is a "
            "special-use or reserved name that cannot be used with email.",
        }
    ]
    [typo] = await refused(base | {"email": "linus@@example.org"})
    assert (typo["field"], typo["code"]) == ("email", "email_invalid")
    [long_name] = await refused(base | {"name": "L" * 201})
    assert long_name == {
        "field": "name",
        "code": "too_long",
        "limit": 200,
        "message": "String should have at most 200 characters",
    }
    [empty] = await refused(base | {"name": ""})
    assert (empty["field"], empty["code"]) == ("name", "required")
    [blank] = await refused(base | {"text": "   "})
    assert (blank["field"], blank["code"]) == ("text", "required")
    [over] = await refused(base | {"text": "z" * (LIMIT + 1)})
    assert over == {
        "field": "text",
        "code": "too_long",
        "limit": LIMIT,
        "message": f"At most {LIMIT} characters.",
    }


async def test_dark_mode_follows_the_system_and_keeps_the_brand_colour(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    teal = {"messenger_settings": {"color": "#0f766e"}}
    admin = await desk.agent(role="admin", inboxes=[support], name="Grace")
    assert (await admin.client.patch(f"/api/v1/inboxes/{support['id']}", json=teal)).is_success
    site.key = support["public_key"]
    # A website that goes dark with the system too, as the messenger does.
    site.head = '<meta name="color-scheme" content="light dark">'
    context, page, panel = await visit(browser, site, dark=True)
    teal_rgb = "rgb(15, 118, 110)"
    await expect(launcher(page)).to_have_css("background-color", teal_rgb)
    await expect(panel.locator(".header")).to_have_css("background-color", teal_rgb)
    await expect(panel.locator(".header")).to_have_css("color", "rgb(255, 255, 255)")
    # The rest goes dark: the panel, its text and the inputs.
    await expect(panel).to_have_css("background-color", "rgb(17, 24, 39)")
    await expect(panel.locator(".greeting")).to_have_css("color", "rgb(229, 231, 235)")
    await expect(panel.get_by_label("Email")).to_have_css("background-color", "rgb(11, 17, 32)")
    await shot(page, screenshots, "dark-form")
    await axe_ok(page, "dark form")

    await panel.get_by_label("Email").fill("marie@shop.local")
    await panel.get_by_label("Message", exact=True).fill("Hello in the dark")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".field-error:visible")).to_have_count(1)
    await shot(page, screenshots, "dark-refused")
    await axe_ok(page, "dark refused")
    await panel.get_by_label("Email").fill("")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    await shot(page, screenshots, "dark-waiting")
    await axe_ok(page, "dark waiting")

    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    reply = {"text": "Hi! How can I help?", "client_msg_id": "ada-dark"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=reply)).is_success
    agent = panel.locator(".msg.agent")
    await expect(agent).to_contain_text("How can I help?")
    await expect(agent).to_have_css("background-color", "rgb(31, 41, 55)")
    await expect(panel.locator(".msg.own")).to_have_css("background-color", teal_rgb)
    await panel.locator(".composer-input").fill("Thanks!")
    await shot(page, screenshots, "dark-conversation")
    await axe_ok(page, "dark conversation")
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    await expect(panel.locator(".ended")).to_be_visible()
    await shot(page, screenshots, "dark-ended")
    await axe_ok(page, "dark ended")

    # The system switches back to light: the messenger follows at once.
    await page.emulate_media(color_scheme="light")
    await expect(panel).to_have_css("background-color", "rgb(255, 255, 255)")
    # A page that is never dark pins light, whatever the system says.
    await page.emulate_media(color_scheme="dark")
    await expect(panel).to_have_css("background-color", "rgb(17, 24, 39)")
    await page.evaluate("window.frontdesk.config({ colorScheme: 'light' })")
    await expect(panel).to_have_css("background-color", "rgb(255, 255, 255)")

    # A light brand colour keeps dark text in dark mode: another inbox's messenger, on a page
    # of its own in the same dark browser (this was a test of its own).
    other, _other_agent = await online_agent(desk)
    await desk.add_member(other, admin)
    yellow = {"messenger_settings": {"color": "#facc15"}}
    assert (await admin.client.patch(f"/api/v1/inboxes/{other['id']}", json=yellow)).is_success
    site.key = other["public_key"]
    site.head = ""
    page = await context.new_page()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await expect(panel).to_be_visible()
    await expect(panel.locator(".header")).to_have_css("color", "rgb(17, 24, 39)")
    await expect(panel.get_by_role("button", name="Start chat")).to_have_css(
        "color", "rgb(17, 24, 39)"
    )
    await shot(page, screenshots, "dark-yellow")
    await axe_ok(page, "dark yellow")
    await context.close()


async def test_everyone_gone_in_the_meantime_in_dark_mode(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    site.head = '<meta name="color-scheme" content="light dark">'
    context, page, panel = await visit(browser, site, dark=True)
    await expect(panel).to_contain_text("We're online")
    await panel.get_by_label("Message", exact=True).fill("Are you there?")
    response = await ada.client.put("/api/v1/me/availability", json={"available": False})
    assert response.status_code == 200, response.text
    await panel.get_by_role("button", name="Start chat").click()
    # The contact form instead, the notice in the messenger's words, the message kept.
    notice = panel.locator(".notice")
    await expect(notice).to_have_text(
        "Everyone just went offline. Leave a message and we'll reply by email."
    )
    await expect(panel.get_by_label("Message", exact=True)).to_have_value("Are you there?")
    await panel.get_by_label("Your name").fill("Ada Yonath")
    await panel.get_by_label("Email").fill("ada@example.org")
    await shot(page, screenshots, "dark-contact")
    await axe_ok(page, "dark contact with notice")
    await panel.get_by_role("button", name="Send message").click()
    await expect(panel).to_contain_text("Your reference number is #")
    await shot(page, screenshots, "dark-contact-sent")
    await axe_ok(page, "dark contact sent")
    await context.close()


async def test_an_unanswered_chat_promises_an_email_only_to_a_visitor_who_left_one(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Is anyone there?")
    # The only agent goes offline: the chat ends unanswered, and no address was left.
    await ada.client.put("/api/v1/me/availability", json={"available": False})
    ended = panel.locator(".ended")
    # It asks for an address right there, for this chat (test_messenger_guest.py gives one).
    await expect(ended).to_contain_text(
        "Sorry, nobody could answer in time.Leave your email and we'll answer your message there."
    )
    await expect(ended.get_by_label("Email")).to_be_visible()
    await expect(ended).not_to_contain_text("We'll reply by email")
    await shot(page, screenshots, "unanswered-no-email")

    await ada.client.put("/api/v1/me/availability", json={"available": True})
    await ended.get_by_role("button", name="Start a new chat").click()
    await panel.get_by_label("Email").fill("ada@example.org")
    await start_chat(panel, "Me again, with my address")
    await ada.client.put("/api/v1/me/availability", json={"available": False})
    await expect(ended).to_contain_text("Sorry, nobody could answer in time. We'll reply by email.")
    await axe_ok(page, "unanswered")
    await context.close()


async def test_links_open_and_each_message_reads_in_its_own_direction(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    """An agent's web address is a link the visitor can tap; Arabic reads right to left on an
    English page, and a right-to-left page does not mirror the messenger's English."""
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await page.evaluate("document.documentElement.dir = 'rtl'")
    first = "My parcel never came. " * 12  # long: the waiting card is pushed down, not hidden
    await panel.get_by_label("Message", exact=True).fill(first.strip())
    await panel.get_by_role("button", name="Start chat").click()
    waiting = panel.locator(".waiting")
    await expect(waiting).to_contain_text("next in line")
    await expect(waiting).to_be_in_viewport()
    chat = await chat_id(page, site.key)

    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    for number, text in enumerate(
        ("Track it here: https://shop.example/orders/123.", "لا، يُغسل باليد فقط!")
    ):
        body = {"text": text, "client_msg_id": f"ada-{number}"}
        assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)).is_success
    answers = panel.locator(".msg.agent .text")
    await expect(answers).to_have_count(2)
    link = answers.first.get_by_role("link", name="https://shop.example/orders/123")
    await expect(link).to_have_attribute("href", "https://shop.example/orders/123")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(link).to_have_attribute("rel", "noopener noreferrer nofollow ugc")
    await expect(answers.first).to_have_text("Track it here: https://shop.example/orders/123.")
    directions = await answers.evaluate_all("ps => ps.map(p => getComputedStyle(p).direction)")
    assert directions == ["ltr", "rtl"]
    composer = panel.get_by_label("Message", exact=True)
    assert await composer.evaluate("e => getComputedStyle(e.closest('.fd')).direction") == "ltr"
    await shot(page, screenshots, "links-rtl")
    await axe_ok(page, "links and right to left")
    await context.close()


async def test_the_visitor_is_told_at_once_when_the_network_goes(
    site: Website, browser: Browser, desk: Desk
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Hello")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    await context.set_offline(True)
    notice = panel.locator(".notice")
    await expect(notice).to_have_text(
        "Can't reach the server. Check your connection — we'll keep trying."
    )
    composer = panel.get_by_label("Message", exact=True)
    await composer.fill("Still there?")
    await composer.press("Enter")
    await expect(panel.locator(".msg.own").last).to_contain_text("Sending")
    # Meanwhile the agent answers: stored before the visitor's message, it is drawn before it too.
    body = {"text": "Yes, I'm here.", "client_msg_id": "ada-1"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)).is_success
    await context.set_offline(False)
    await expect(notice).to_be_hidden()
    await expect(panel.locator(".msg[data-state]")).to_have_count(0)
    stored = ["Hello", "Yes, I'm here.", "Still there?"]
    await expect(panel.locator(".msg .text")).to_have_text(stored)
    messages = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    assert [
        e["data"]["message"]["text"] for e in messages if e["type"] == "chat.message_added"
    ] == stored
    await context.close()


async def test_what_the_visitor_wrote_offline_as_the_chat_ended_is_kept_for_a_new_chat(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    """Messages written offline while the agent ends the chat can never be sent: back online,
    each says "Not sent", the ended card says they were kept, and "Start a new chat" puts them
    in its form (docs/messenger.md). They used to stay "Sending…" and go with the new chat."""
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Hello")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    await context.set_offline(True)
    composer = panel.get_by_label("Message", exact=True)
    for text in ("Are you still there?", "My order is 1234."):
        await composer.fill(text)
        await composer.press("Enter")
    assert (await ada.client.post(f"/api/v1/chats/{chat}/end")).status_code == 200
    await context.set_offline(False)

    unsent = panel.locator(".msg.own[data-state=failed]")
    await expect(unsent).to_have_count(2)
    for bubble in await unsent.all():
        await expect(bubble).to_contain_text("Not sent: This chat has ended.")
    ended = panel.locator(".ended")
    await expect(ended).to_contain_text("didn't reach us before the chat ended")
    await shot(page, screenshots, "unsent-after-the-end")
    await ended.get_by_role("button", name="Start a new chat").click()
    await expect(panel.locator("#fd-message")).to_have_value(
        "Are you still there?\n\nMy order is 1234."
    )
    await shot(page, screenshots, "unsent-in-a-new-chat")
    events = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    assert [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"] == [
        "Hello"
    ]
    await context.close()


async def test_the_visitor_ends_the_chat_and_rates_it(
    site: Website, browser: Browser, desk: Desk, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    context, page, panel = await visit(browser, site)
    await start_chat(panel, "Where is my parcel?")
    chat = await chat_id(page, site.key)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    body = {"text": "It ships tomorrow.", "client_msg_id": "ada-1"}
    assert (await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)).is_success
    await expect(panel.locator(".msg.agent")).to_contain_text("It ships tomorrow.")

    # Asked first; "Keep chatting" changes nothing.
    await panel.get_by_role("button", name="End chat").click()
    bar = panel.locator(".end-bar")
    await expect(bar).to_contain_text("End this chat?")
    await expect(bar.get_by_role("button", name="Keep chatting")).to_be_focused()
    await shot(page, screenshots, "end-chat-ask")
    await axe_ok(page, "end chat asked")
    await bar.get_by_role("button", name="Keep chatting").click()
    await expect(bar).not_to_contain_text("End this chat?")
    await panel.get_by_role("button", name="End chat").click()
    await bar.get_by_role("button", name="End chat").click()

    await expect(panel.locator(".ended")).to_contain_text("This chat has ended.")
    await expect(panel.get_by_label("Message", exact=True)).to_be_hidden()
    await expect(bar).to_be_hidden()
    await expect(panel.locator(".rating")).to_contain_text("How did we do?")
    detail = (await ada.client.get(f"/api/v1/chats/{chat}")).json()
    assert (detail["state"], detail["end_reason"]) == ("ended", "visitor")
    ticket = (await ada.client.get(f"/api/v1/tickets/{detail['ticket_id']}")).json()
    assert (ticket["state"], ticket["assignee_id"]) == ("closed", ada.id)
    await context.close()
