"""Hand-offs between agents stay between agents: the customer's transcript (the ticket's entry and
the email) and their messenger read "joined" and "left", never an invitation or a transfer; and an
agent who left a chat is told the true reason when they try to join it again."""

from __future__ import annotations

from typing import Any

from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.support import online

pytestmark = SQLITE_ONLY

SECRET = "identity-secret-of-the-shop"
EMAIL = "marie@example.org"

INTERNAL = ("invited", "take over", "transferred", "withdrawn")


@BOTH_STORES
async def test_the_customer_reads_joins_and_leaves_never_the_hand_offs(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox(identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    bob = await desk.agent(inboxes=[inbox], name="Bob Noyce")
    grace = await desk.agent(inboxes=[inbox], name="Grace Hopper")
    for agent in (ada, bob, grace):
        await online(agent)
    visitor = await visitors(inbox)
    # Signed in: the customer gets the conversation itself by email, not a notice.
    await visitor.identify(EMAIL, secret=SECRET)
    chat_id = (await visitor.start_chat("My order is late", email=EMAIL))["id"]

    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    # An invitation withdrawn, a colleague invited who joins and leaves, then a transfer.
    for path, body in [
        ("transfer", {"user_id": grace.id}),
        ("invite", {"user_id": bob.id}),
    ]:
        sent = await ada.client.post(f"/api/v1/chats/{chat_id}/{path}", json=body)
        assert sent.status_code == 200, sent.text
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/leave")).status_code == 200
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/leave")).status_code == 409
    sent = await ada.client.post(f"/api/v1/chats/{chat_id}/transfer", json={"user_id": bob.id})
    assert sent.status_code == 200, sent.text
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200

    # The messenger: joins and leaves, and a leave names nobody it was handed to.
    history = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()
    seen = [(e["type"], e["data"]) for e in history["events"] if e["type"] != "chat.message_added"]
    assert [kind for kind, _ in seen] == [
        "chat.started",
        "chat.joined",
        "chat.joined",
        "chat.left",
        "chat.joined",
        "chat.left",
    ]
    assert all("transferred_to" not in data for kind, data in seen if kind == "chat.left")

    ended = await bob.client.post(f"/api/v1/chats/{chat_id}/end")
    assert ended.status_code == 200, ended.text
    ticket = (await bob.client.get(f"/api/v1/tickets/{ended.json()['ticket_id']}")).json()
    transcript = ticket["entries"][0]
    said = [line["text"] for line in transcript["data"]["lines"]]
    assert said == [
        "My order is late",
        "Ada Lovelace joined the chat",
        "Bob Noyce joined the chat",
        "Bob Noyce left the chat",
        "Bob Noyce joined the chat",
        "Ada Lovelace left the chat",
    ]
    admin = await desk.agent(role="admin")
    [mail] = (await admin.client.get("/api/v1/outbox")).json()
    assert mail["recipients"] == [EMAIL]
    for text in (transcript["text"], mail["text"], mail["html"]):
        assert "Ada Lovelace left the chat" in text
        assert "Bob Noyce joined the chat" in text
        assert "Grace" not in text
        for word in INTERNAL:
            assert word not in text, (word, text)


async def test_joining_a_chat_one_has_left_says_so(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    bob = await desk.agent(inboxes=[inbox], name="Bob Noyce")
    grace = await desk.agent(inboxes=[inbox], name="Grace Hopper")
    for agent in (ada, bob, grace):
        await online(agent)
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    sent = await ada.client.post(f"/api/v1/chats/{chat_id}/transfer", json={"user_id": bob.id})
    assert sent.status_code == 200, sent.text
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200

    # Ada handed it over long before: not "joined a moment ago", but that she left it.
    again = await ada.client.post(f"/api/v1/chats/{chat_id}/join")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_joined"
    assert error["message"] == (
        "You left this chat; Bob Noyce is answering it now. You can read along; to write in it "
        "again, ask Bob Noyce to invite you (only a participant can)."
    )
    # Grace was never in it: she is told who answers it and who can let her in.
    refused = (await grace.client.post(f"/api/v1/chats/{chat_id}/join")).json()["error"]
    assert refused["message"] == (
        "Bob Noyce is already answering this chat. You can read along; to join, ask Bob Noyce "
        "to invite you (only a participant can)."
    )
    # Invited back, she may.
    sent = await bob.client.post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": ada.id})
    assert sent.status_code == 200, sent.text
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    refused = (await grace.client.post(f"/api/v1/chats/{chat_id}/join")).json()["error"]
    assert refused["message"].startswith("Bob Noyce and Ada Lovelace are already answering")
