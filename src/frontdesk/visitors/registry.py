"""Where live visits are kept while they last: this process's memory, or Redis when the desk runs
several processes, so that every process's agents see the same list (docs/messenger.md, "Live
visitors"). Nothing here is history: a visit is forgotten when its last tab stops reporting
(`TTL`) or leaves (`LEAVE_GRACE`), and its invitation when it is used or expires
(`INVITATION_TTL`). The rules (who reports, who reads, who invites) are the service's.

A visit is one browser on one inbox's site, named by the random id its messenger keeps; it may
have several tabs, each a random id of one page load. A reload is a tab leaving and another
coming: the grace after a leave keeps the visit (its start, its pages) across it.

With Redis, a visit is one field of a hash per inbox (its JSON), read, changed and written back:
two tabs of one browser reporting at the same instant may lose one page of the count, which is
not worth a script. The invitation waiting for a visit has a key of its own, taken with GETDEL,
so that it is delivered once whichever tab asks first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from typing import Protocol

from frontdesk.kit.redis_line import RedisLine

# Seconds a tab counts as on the page after its last report: the messenger reports every
# HEARTBEAT seconds while the tab is visible; three missed beats and it is gone.
HEARTBEAT = 30
TTL = 3 * HEARTBEAT
# Seconds a tab that left (pagehide) still holds its visit: the next page of a navigation
# comes within them and finds the visit as it was.
LEAVE_GRACE = 10
# An invitation not delivered or not answered within this time is forgotten.
INVITATION_TTL = 30 * 60
# A process keeps at most this many visits per inbox: a script inventing ids cannot fill it.
MAX_VISITS = 5000


@dataclass
class Invitation:
    id: str
    inbox_id: int
    visit_id: str
    sender_id: int
    sender_name: str
    text: str


@dataclass
class Visit:
    visit_id: str
    inbox_id: int
    page_url: str = ""
    page_title: str = ""
    referrer: str = ""
    started_at: float = 0.0
    pages: int = 0
    visitor_id: int | None = None
    # An agent's invitation sent to it: shown in the desk as "Invited by …".
    invited_by: str = ""
    # tab id → until when it counts (epoch seconds).
    tabs: dict[str, float] = field(default_factory=dict)

    def alive(self, now: float) -> bool:
        return any(until > now for until in self.tabs.values())

    def prune(self, now: float) -> None:
        self.tabs = {tab: until for tab, until in self.tabs.items() if until > now}


Change = Callable[[Visit | None], Visit]


class Registry(Protocol):
    async def change(self, inbox_id: int, visit_id: str, apply: Change) -> Visit: ...

    async def leave(self, inbox_id: int, visit_id: str, tab: str) -> bool: ...

    async def visits(self, inbox_ids: Collection[int]) -> list[Visit]: ...

    async def visit(self, inbox_id: int, visit_id: str) -> Visit | None: ...

    async def sweep(self) -> set[int]:
        """Forgets expired visits; answers the inboxes that lost some."""
        ...

    async def invite(self, invitation: Invitation) -> None: ...

    async def take_pending(self, inbox_id: int, visit_id: str) -> Invitation | None: ...

    async def take_invitation(self, inbox_id: int, invitation_id: str) -> Invitation | None: ...

    async def close(self) -> None: ...


class MemoryRegistry:
    """One process's visits (one process serves the whole desk by default)."""

    def __init__(self) -> None:
        self._visits: dict[int, dict[str, Visit]] = {}
        self._pending: dict[tuple[int, str], tuple[Invitation, float]] = {}
        self._invitations: dict[str, tuple[Invitation, float]] = {}

    async def change(self, inbox_id: int, visit_id: str, apply: Change) -> Visit:
        now = time.time()
        visits = self._visits.setdefault(inbox_id, {})
        found = visits.get(visit_id)
        if found is not None and not found.alive(now):
            found = None
        if found is None and len(visits) >= MAX_VISITS:
            await self.sweep()
        changed = apply(found)
        changed.prune(now)
        if found is None and len(visits) >= MAX_VISITS:
            return changed  # full: reported, not kept
        visits[visit_id] = changed
        return changed

    async def leave(self, inbox_id: int, visit_id: str, tab: str) -> bool:
        found = self._visits.get(inbox_id, {}).get(visit_id)
        if found is None or tab not in found.tabs:
            return False
        found.tabs[tab] = min(found.tabs[tab], time.time() + LEAVE_GRACE)
        return True

    async def visits(self, inbox_ids: Collection[int]) -> list[Visit]:
        now = time.time()
        return [
            visit
            for inbox_id in inbox_ids
            for visit in self._visits.get(inbox_id, {}).values()
            if visit.alive(now)
        ]

    async def visit(self, inbox_id: int, visit_id: str) -> Visit | None:
        found = self._visits.get(inbox_id, {}).get(visit_id)
        return found if found is not None and found.alive(time.time()) else None

    async def sweep(self) -> set[int]:
        now = time.time()
        emptied: set[int] = set()
        for inbox_id, visits in list(self._visits.items()):
            for visit_id in [key for key, visit in visits.items() if not visit.alive(now)]:
                del visits[visit_id]
                emptied.add(inbox_id)
            if not visits:
                del self._visits[inbox_id]
        for key in [key for key, (_, until) in self._pending.items() if until <= now]:
            del self._pending[key]
        for used in [key for key, (_, until) in self._invitations.items() if until <= now]:
            del self._invitations[used]
        return emptied

    async def invite(self, invitation: Invitation) -> None:
        until = time.time() + INVITATION_TTL
        self._pending[(invitation.inbox_id, invitation.visit_id)] = (invitation, until)
        self._invitations[invitation.id] = (invitation, until)

    async def take_pending(self, inbox_id: int, visit_id: str) -> Invitation | None:
        found = self._pending.pop((inbox_id, visit_id), None)
        return found[0] if found is not None and found[1] > time.time() else None

    async def take_invitation(self, inbox_id: int, invitation_id: str) -> Invitation | None:
        found = self._invitations.get(invitation_id)
        if found is None or found[0].inbox_id != inbox_id or found[1] <= time.time():
            return None
        del self._invitations[invitation_id]
        return found[0]

    async def close(self) -> None:
        return None


def _visit(raw: bytes | str) -> Visit:
    return Visit(**json.loads(raw))


def _invitation(raw: bytes | str | None) -> Invitation | None:
    return Invitation(**json.loads(raw)) if raw else None


class RedisRegistry:
    """Every process's visits, in Redis (keys under `<channel>:visits:`)."""

    # A command waits at most this long: the list is not worth a slow answer.
    TIMEOUT = 1.0

    def __init__(self, url: str, *, prefix: str) -> None:
        self._line = RedisLine(url, timeout=self.TIMEOUT)
        self._prefix = prefix

    def _hash(self, inbox_id: int) -> str:
        return f"{self._prefix}inbox:{inbox_id}"

    @property
    def _inboxes(self) -> str:
        return f"{self._prefix}inboxes"

    async def _write(self, visit: Visit) -> None:
        key = self._hash(visit.inbox_id)
        await self._line.call_all(
            [
                ("HSET", key, visit.visit_id, json.dumps(asdict(visit))),
                # An inbox whose visitors all went without a sweep still goes.
                ("EXPIRE", key, 2 * TTL),
                ("SADD", self._inboxes, visit.inbox_id),
            ]
        )

    async def change(self, inbox_id: int, visit_id: str, apply: Change) -> Visit:
        now = time.time()
        raw = await self._line.call("HGET", self._hash(inbox_id), visit_id)
        found = _visit(raw) if raw else None
        if found is not None and not found.alive(now):
            found = None
        changed = apply(found)
        changed.prune(now)
        if found is None and await self._line.call("HLEN", self._hash(inbox_id)) >= MAX_VISITS:
            return changed
        await self._write(changed)
        return changed

    async def leave(self, inbox_id: int, visit_id: str, tab: str) -> bool:
        found = await self.visit(inbox_id, visit_id)
        if found is None or tab not in found.tabs:
            return False
        found.tabs[tab] = min(found.tabs[tab], time.time() + LEAVE_GRACE)
        await self._write(found)
        return True

    async def _all(self, inbox_id: int) -> list[Visit]:
        raw = await self._line.call("HGETALL", self._hash(inbox_id))
        return [_visit(value) for value in raw[1::2]]

    async def visits(self, inbox_ids: Collection[int]) -> list[Visit]:
        now = time.time()
        found: list[Visit] = []
        for inbox_id in inbox_ids:
            found.extend(visit for visit in await self._all(inbox_id) if visit.alive(now))
        return found

    async def visit(self, inbox_id: int, visit_id: str) -> Visit | None:
        raw = await self._line.call("HGET", self._hash(inbox_id), visit_id)
        found = _visit(raw) if raw else None
        return found if found is not None and found.alive(time.time()) else None

    async def sweep(self) -> set[int]:
        now = time.time()
        emptied: set[int] = set()
        for member in await self._line.call("SMEMBERS", self._inboxes):
            inbox_id = int(member)
            gone = [visit.visit_id for visit in await self._all(inbox_id) if not visit.alive(now)]
            # HDEL answers how many it removed: the process that removed them tells the desks.
            if gone and await self._line.call("HDEL", self._hash(inbox_id), *gone):
                emptied.add(inbox_id)
            if not await self._line.call("EXISTS", self._hash(inbox_id)):
                await self._line.call("SREM", self._inboxes, inbox_id)
        return emptied

    async def invite(self, invitation: Invitation) -> None:
        value = json.dumps(asdict(invitation))
        await self._line.call_all(
            [
                (
                    "SET",
                    f"{self._prefix}pending:{invitation.inbox_id}:{invitation.visit_id}",
                    value,
                    "EX",
                    INVITATION_TTL,
                ),
                ("SET", f"{self._prefix}invitation:{invitation.id}", value, "EX", INVITATION_TTL),
            ]
        )

    async def take_pending(self, inbox_id: int, visit_id: str) -> Invitation | None:
        return _invitation(
            await self._line.call("GETDEL", f"{self._prefix}pending:{inbox_id}:{visit_id}")
        )

    async def take_invitation(self, inbox_id: int, invitation_id: str) -> Invitation | None:
        found = _invitation(
            await self._line.call("GETDEL", f"{self._prefix}invitation:{invitation_id}")
        )
        return found if found is not None and found.inbox_id == inbox_id else None

    async def close(self) -> None:
        await self._line.close()
