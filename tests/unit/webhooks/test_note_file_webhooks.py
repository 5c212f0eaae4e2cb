"""A note's files reach integrations as a reply's do (docs/webhooks.md, "Internal notes"): listed
in the entry's `data.attachments` of `message.created` (names, sizes, ids; never the bytes), and
only to a webhook that includes internal notes, as the note itself; a webhook without them gets
the reply and its files, and nothing of the note."""

from __future__ import annotations

from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.webhooks.receiver import Receiver, receiver
from tests.unit.webhooks.test_customer_events import deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

pytestmark = SQLITE_ONLY

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


async def test_a_notes_files_go_only_to_webhooks_with_internal_notes(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks, events=["message.created"])
    with receiver() as insider:
        await subscribe(admin, insider, events=["message.created"], include_internal=True)
        created = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "g@example.org"}, "subject": "Hi"},
        )
        ticket_id = created.json()["id"]

        async def upload(name: str) -> int:
            response = await admin.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket_id, "filename": name},
                content=PDF,
                headers={"Content-Type": "application/pdf"},
            )
            assert response.status_code == 201, response.text
            return int(response.json()["id"])

        label, log = await upload("label.pdf"), await upload("server-log.pdf")
        reply = await admin.client.post(
            f"/api/v1/tickets/{ticket_id}/replies",
            json={"text": "Your label.", "attachment_ids": [label]},
        )
        assert reply.status_code == 201, reply.text
        note = await admin.client.post(
            f"/api/v1/tickets/{ticket_id}/notes",
            json={"text": "The log.", "attachment_ids": [log]},
        )
        assert note.status_code == 201, note.text
        await deliver_all(app)

        outside = [e["data"] for e in hooks.events("message.created")]
        assert [(d["internal"], d["message"]["kind"]) for d in outside] == [(False, "reply")]
        assert [f["id"] for f in outside[0]["message"]["data"]["attachments"]] == [label]
        assert "server-log.pdf" not in str(hooks.events())

        inside = [e["data"] for e in insider.events("message.created")]
        assert [(d["internal"], d["message"]["kind"]) for d in inside] == [
            (False, "reply"),
            (True, "note"),
        ]
        (listed,) = inside[1]["message"]["data"]["attachments"]
        assert listed == note.json()["data"]["attachments"][0]
        assert (listed["id"], listed["filename"], listed["size"]) == (
            log,
            "server-log.pdf",
            len(PDF),
        )
