"""Who has a thing open on their desk (a ticket, a knowledge base article) and who is writing on
it: the rows and version numbers behind collision detection, for any kind of thing.

One row per desk socket and thing, removed with the socket (chats/presence.py calls each kind's
`connection_left` before the socket's own row goes), so a closed tab or a dead process leaves no
ghost. Every change numbers the thing's list, taking the number before it touches any row: on
PostgreSQL the version row's lock makes two changes of one thing take turns, and the later one
reads the list with the earlier one in it. Lists can reach a desk out of order (the answer to a
socket's own frame goes out after its commit; another agent's change may already be on its way),
so a desk keeps the list with the highest number it has heard.

Who hears a list, and in which event, is the kind's business (tickets/viewers.py,
knowledge/viewers.py): this module only keeps the rows and numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.upsert import upsert_into
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User


class ViewerUser(TypedDict):
    id: int
    name: str


class Viewer(TypedDict):
    user: ViewerUser
    # What they write on it (a kind's own words: "reply", "note", "edit"), or None.
    composing: str | None


@dataclass(frozen=True)
class ViewedKind:
    """One kind of thing agents open. `rows` has `connection_id`, the `key` column, `user_id`,
    `composing` and `since`; `versions` has the `key` column and `version`."""

    rows: Any
    versions: Any
    key: str
    # The kind's `composing` values, the one shown first when an agent's tabs differ first.
    composing: tuple[str, ...]

    def _key(self, model: Any) -> Any:
        return getattr(model, self.key)

    async def viewers_of(self, session: AsyncSession, subject_id: int) -> list[Viewer]:
        """One item per agent, by name; writing on any of their tabs counts."""
        rows = await session.execute(
            select(User.id, User.name, self.rows.composing)
            .join(User, User.id == self.rows.user_id)
            .where(self._key(self.rows) == subject_id)
            .order_by(User.name, User.id)
        )
        found: dict[int, Viewer] = {}
        for user_id, name, composing in rows:
            viewer = found.setdefault(
                user_id, {"user": {"id": user_id, "name": name}, "composing": None}
            )
            if composing in self.composing and (
                viewer["composing"] is None
                or self.composing.index(composing) < self.composing.index(viewer["composing"])
            ):
                viewer["composing"] = composing
        return list(found.values())

    async def next_version(self, session: AsyncSession, subject_id: int) -> int:
        """Numbers a change of the thing's list, and holds the number's row until the commit."""
        column = self._key(self.versions)
        insert = upsert_into(session.get_bind().dialect.name, self.versions)
        upsert = insert.values({self.key: subject_id, "version": 1}).on_conflict_do_update(
            index_elements=[column], set_={"version": self.versions.version + 1}
        )
        version: int = (await session.execute(upsert.returning(self.versions.version))).scalar_one()
        return version

    async def version_of(self, session: AsyncSession, subject_id: int) -> int:
        """The number of the list as last changed (0: never)."""
        version = await session.scalar(
            select(self.versions.version).where(self._key(self.versions) == subject_id)
        )
        return int(version or 0)

    async def set(
        self,
        session: AsyncSession,
        *,
        subject_id: int,
        user_id: int,
        connection_id: str,
        viewing: bool,
        composing: str | None,
    ) -> int | None:
        """What one desk socket shows of the thing. The list's new version, or None when nothing
        changed (nothing to publish)."""
        row = await session.get(self.rows, (connection_id, subject_id))
        unchanged = (row is None and not viewing) or (
            row is not None and viewing and row.composing == composing
        )
        if unchanged:
            return None
        version = await self.next_version(session, subject_id)
        if row is None:
            session.add(
                self.rows(
                    connection_id=connection_id,
                    user_id=user_id,
                    composing=composing,
                    since=utcnow(),
                    **{self.key: subject_id},
                )
            )
        elif not viewing:
            await session.delete(row)
        else:
            row.composing = composing
        await session.flush()
        return version

    async def drop(self, session: AsyncSession, subject_id: int, rows: Sequence[Any]) -> int:
        """These rows of the thing go (their agents may no longer see it); the new version."""
        version = await self.next_version(session, subject_id)
        for row in rows:
            await session.delete(row)
        await session.flush()
        return version

    async def connection_left(
        self, session: AsyncSession, *, connection_id: str
    ) -> list[tuple[int, int]]:
        """A desk socket closed (or its process died): its rows go. Each thing it showed, with
        its list's new version."""
        subject_ids = (
            await session.scalars(
                select(self._key(self.rows))
                .where(self.rows.connection_id == connection_id)
                .order_by(self._key(self.rows))  # version rows locked in one order: no deadlock
            )
        ).all()
        if not subject_ids:
            return []
        versions = [await self.next_version(session, subject_id) for subject_id in subject_ids]
        await session.execute(delete(self.rows).where(self.rows.connection_id == connection_id))
        return list(zip(subject_ids, versions, strict=True))
