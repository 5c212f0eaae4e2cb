"""Settings and rules are recorded by the flush listener, secrets redacted; the log cannot be
changed, is the owners' alone, and is read a page at a time with filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from frontdesk.audit import service as audit
from frontdesk.audit.models import AuditEvent
from frontdesk.customers.models import Customer
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import MailboxAccount, MailboxAuth, MailboxSecurity
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.audit.support import URL, entries, only
from tests.unit.support import count_rows, error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

IDENTITY_SECRET = "a-very-secret-identity-key"
APP_SECRET = "sidebar-app-signing-secret"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@BOTH_STORES
async def test_inbox_settings_changes_are_recorded_with_secrets_redacted(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    inbox = await desk.inbox(name="Support")
    changed = await owner.client.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        json={"unanswered_timeout_seconds": 120, "identity_secret": IDENTITY_SECRET},
    )
    assert changed.status_code == 200, changed.text
    entry = await only(owner, "inbox.updated")
    assert entry["changes"] == {
        "unanswered_timeout_seconds": [300, 120],
        "identity_secret": "changed",
    }
    assert (entry["target_type"], entry["target_id"]) == ("inbox", inbox["id"])
    assert entry["target_label"] == "Support"
    assert (entry["actor_id"], entry["actor_kind"]) == (owner.id, "user")

    hours = await owner.client.put(
        f"/api/v1/inboxes/{inbox['id']}/hours",
        json={
            "enabled": True,
            "time_zone": "Europe/Paris",
            "weekly": [{"day": "mon", "opens": "09:00", "closes": "17:00"}],
        },
    )
    assert hours.status_code == 200, hours.text
    recorded = await only(owner, "hours.created", target_type="inbox")
    assert recorded["changes"]["time_zone"][1] == "Europe/Paris"
    assert (recorded["target_id"], recorded["target_label"]) == (inbox["id"], "Support")

    app = await owner.client.post(
        "/api/v1/apps",
        json={"name": "CRM", "url": "https://crm.example.com/panel", "secret": APP_SECRET},
    )
    assert app.status_code == 201, app.text
    created = await only(owner, "app.created")
    assert created["changes"]["secret"] == "changed"
    assert created["changes"]["url"] == [None, "https://crm.example.com/panel"]
    everything = (await owner.client.get(f"{URL}.csv")).text
    assert IDENTITY_SECRET not in everything
    assert APP_SECRET not in everything


@BOTH_STORES
async def test_saving_business_hours_is_one_entry_with_the_saved_values(desk: Desk) -> None:
    """The first save created a row of defaults, then changed it: two entries, the first one
    "Business hours set: Off, UTC", which nobody had set."""
    owner = await desk.agent(role="owner")
    inbox = await desk.inbox(name="Support")
    week = [{"day": "mon", "opens": "09:00", "closes": "17:00"}]
    body = {"enabled": True, "time_zone": "Europe/Paris", "weekly": week}
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    assert (await owner.client.put(url, json=body)).status_code == 200
    [first] = [
        e for e in await entries(owner, target_type="inbox") if e["action"].startswith("hours.")
    ]
    assert first["action"] == "hours.created"
    assert first["changes"] == {
        "enabled": [None, True],
        "time_zone": [None, "Europe/Paris"],
        "weekly": [None, [{"day": "mon", "opens": "09:00", "closes": "17:00"}]],
    }
    # Saved again, only what changed: one more entry.
    changed = await owner.client.put(url, json={**body, "time_zone": "Europe/Berlin"})
    assert changed.status_code == 200, changed.text
    hours = [
        e for e in await entries(owner, target_type="inbox") if e["action"].startswith("hours.")
    ]
    assert [e["action"] for e in hours] == ["hours.updated", "hours.created"]
    assert hours[0]["changes"] == {"time_zone": ["Europe/Paris", "Europe/Berlin"]}


@BOTH_STORES
async def test_rule_changes_are_recorded_from_creation_to_deletion(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    made = await owner.client.post(
        "/api/v1/rules",
        json={
            "name": "Urgent words",
            "when": {"type": "created"},
            "conditions": [{"field": "text", "op": "contains", "value": "urgent"}],
            "actions": [{"type": "set_state", "state": "hold"}],
        },
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    created = await only(owner, "rule.created")
    assert created["target_id"] == rule["id"]
    assert created["changes"]["name"] == [None, "Urgent words"]
    renamed = await owner.client.patch(
        f"/api/v1/rules/{rule['id']}", json={"name": "Urgent", "enabled": False}
    )
    assert renamed.status_code == 200, renamed.text
    assert (await only(owner, "rule.updated"))["changes"] == {
        "name": ["Urgent words", "Urgent"],
        "enabled": [True, False],
    }
    assert (await owner.client.delete(f"/api/v1/rules/{rule['id']}")).status_code == 204
    deleted = await only(owner, "rule.deleted")
    assert deleted["target_label"] == "Urgent"
    assert deleted["changes"]["name"] == ["Urgent", None]
    assert [e["action"] for e in await entries(owner, target_type="rule")] == [
        "rule.deleted",
        "rule.updated",
        "rule.created",
    ]


@BOTH_STORES
async def test_the_database_refuses_to_change_or_delete_an_entry(app: FastAPI, desk: Desk) -> None:
    await desk.agent(role="owner")
    assert await count_rows(app, AuditEvent) > 0

    async def run(statement: Executable) -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            await session.execute(statement)

    for statement in (
        update(AuditEvent).values(action="nothing.happened"),
        delete(AuditEvent),
    ):
        with pytest.raises(DBAPIError, match="audit_events cannot be changed or deleted"):
            await run(statement)
    assert await count_rows(app, AuditEvent, AuditEvent.action == "nothing.happened") == 0


async def test_an_entry_goes_with_its_transaction(app: FastAPI) -> None:
    async def fail_after_recording() -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            audit.record(session, action="settings.updated", changes={"x": [1, 2]})
            await session.flush()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await fail_after_recording()
    assert await count_rows(app, AuditEvent) == 0
    async with unit_of_work(app.state.sessionmaker) as session:
        entry = audit.record(session, action="settings.updated", changes={"x": [1, 2]})
    assert (entry.actor_kind.value, entry.actor_label) == ("system", "system")
    assert await count_rows(app, AuditEvent) == 1


async def test_a_customer_is_named_by_number_only(app: FastAPI) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        customer = Customer(name="Marie Curie")
        session.add(customer)
        await session.flush()
        entry = audit.record(session, action="customer.exported", target=customer)
    assert (entry.target_type, entry.target_label) == ("customer", f"customer #{customer.id}")


async def test_only_owners_read_the_log(desk: Desk) -> None:
    for role in ("admin", "agent"):
        someone = await desk.agent(role=role)
        for path in (URL, f"{URL}.csv"):
            error = error_of(await someone.client.get(path), 403, "owner_only")
            assert "owner" in error["message"]
    # Nothing deletes the log: the list takes GET alone, and no entry has a path of its own.
    admin = await desk.agent(role="admin")
    error_of(await admin.client.delete(URL), 405)
    error_of(await admin.client.delete(f"{URL}/1"), 404, "not_found")


@BOTH_STORES
async def test_filters_and_pages(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.agent(role="admin")
    for name in ("One", "Two", "Three"):
        made = await ada.client.post("/api/v1/labels", json={"name": name})
        assert made.status_code == 201, made.text
    labels = await entries(owner, action="label")
    assert [e["target_label"] for e in labels] == ["Three", "Two", "One"]
    assert {e["actor_id"] for e in labels} == {ada.id}
    assert await entries(owner, action="label.deleted") == []
    assert await entries(owner, action="lab") == []
    mine = await entries(owner, actor_id=ada.id)
    assert {e["action"] for e in mine} == {"auth.login", "label.created"}
    two = labels[1]
    assert await entries(owner, target_type="label", target_id=two["target_id"]) == [two]

    future = (utcnow() + timedelta(hours=1)).isoformat()
    past = (utcnow() - timedelta(hours=1)).isoformat()
    assert await entries(owner, **{"from": future}) == []
    assert len(await entries(owner, **{"from": past, "to": future})) == len(await entries(owner))
    error_of(await owner.client.get(URL, params={"from": future, "to": past}), 422)
    error_of(await owner.client.get(URL, params={"cursor": "abc"}), 422)

    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await owner.client.get(URL, params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in await entries(owner)]
    assert seen == sorted(seen, reverse=True)

    exported = await owner.client.get(f"{URL}.csv", params={"action": "label"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.text.strip().splitlines()
    assert lines[0].startswith("id,at,actor_kind")
    assert [line.split(",")[7] for line in lines[1:]] == ["label.created"] * 3


async def test_a_mailbox_password_is_never_written_to_the_log(app: FastAPI, desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    inbox = await desk.inbox(name="Support")
    async with unit_of_work(app.state.sessionmaker) as session:
        account = MailboxAccount(
            inbox_id=inbox["id"],
            host="imap.example.com",
            port=993,
            security=MailboxSecurity.tls,
            username="support@example.com",
            auth=MailboxAuth.password,
            secret="first-imap-password",
        )
        session.add(account)
    async with unit_of_work(app.state.sessionmaker) as session:
        # Loaded as a service loads it: the secret deferred, never read.
        loaded = await session.get(MailboxAccount, account.id)
        assert loaded is not None
        loaded.secret = "second-imap-password"
        loaded.folder = "Support"
    created = await only(owner, "mailbox.created")
    assert (created["target_type"], created["target_id"]) == ("inbox", inbox["id"])
    assert created["changes"]["secret"] == "changed"
    assert created["changes"]["host"] == [None, "imap.example.com"]
    updated = await only(owner, "mailbox.updated")
    assert updated["changes"] == {"secret": "changed", "folder": ["INBOX", "Support"]}
    everything = (await owner.client.get(f"{URL}.csv")).text
    assert "imap-password" not in everything


async def test_members_added_and_removed(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.user(name="Ada")
    inbox = await desk.inbox(name="Support")
    members = f"/api/v1/inboxes/{inbox['id']}/members"
    added = await owner.client.post(members, json={"user_id": ada["id"]})
    assert added.status_code in (200, 201, 204), added.text
    removed = await owner.client.delete(f"{members}/{ada['id']}")
    assert removed.status_code == 200, removed.text
    entries_now = await entries(owner, target_type="inbox", target_id=inbox["id"])
    assert [(e["action"], e["changes"]) for e in entries_now[:2]] == [
        ("inbox.member_removed", {"member": ada["email"]}),
        ("inbox.member_added", {"member": ada["email"]}),
    ]


async def test_saved_view_changes_are_recorded(desk: Desk) -> None:
    """A shared view is what every agent's left side lists: who made, changed or removed it."""
    owner = await desk.agent(role="owner")
    made = await owner.client.post(
        "/api/v1/views",
        json={"name": "Urgent", "filters": {"priority": ["urgent"]}, "shared": True},
    )
    assert made.status_code == 201, made.text
    view = made.json()
    created = await only(owner, "view.created")
    assert (created["target_type"], created["target_id"]) == ("view", view["id"])
    assert created["changes"]["filters"] == [None, {"priority": ["urgent"]}]
    changed = await owner.client.patch(
        f"/api/v1/views/{view['id']}",
        json={"name": "Urgent and high", "filters": {"priority": ["urgent", "high"]}},
    )
    assert changed.status_code == 200, changed.text
    assert (await only(owner, "view.updated"))["changes"] == {
        "name": ["Urgent", "Urgent and high"],
        "filters": [{"priority": ["urgent"]}, {"priority": ["urgent", "high"]}],
    }
    assert (await owner.client.delete(f"/api/v1/views/{view['id']}")).status_code == 204
    assert (await only(owner, "view.deleted"))["target_label"] == "Urgent and high"
