"""A viewer's view counts, kept for a moment: every open desk asks for them again on ticket
events (each tab at most every 2 s), and an agent's tabs and scripts would each count the same
views again. Kept per process and per viewer, for COUNTS_FRESH_FOR seconds, and only while the
viewer's views count the same (`signature`); an answer from here says so (`cached`), and the
desk then asks once more after that time, so that no change is missed for longer."""

from __future__ import annotations

import json
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, Request

from frontdesk.saved_views.models import SavedView
from frontdesk.users.models import User

# As the desk's own pace (views/store.ts LIVE_EVERY): an agent's counts are computed at most
# about once per that time, whatever the number of tabs and events.
COUNTS_FRESH_FOR = 2.0
# Past this many viewers, entries too old to be used are dropped when one is added.
PRUNE_PAST = 1000


@dataclass(frozen=True)
class _Kept:
    at: float
    signature: Hashable
    counts: dict[int, int]


def signature(user: User, views: Sequence[SavedView]) -> Hashable:
    """What the counts depend on besides the tickets: which views there are with what filters
    and sort, and the viewer's role (an admin sees every inbox). Not their order, names or
    `updated_at`: a view moved or renamed (`view.changed`, which every desk hears at once) keeps
    its counts rather than having them computed again for everyone."""
    return (
        str(user.role),
        tuple(
            sorted((view.id, view.sort, json.dumps(view.filters, sort_keys=True)) for view in views)
        ),
    )


class KeptCounts:
    def __init__(self) -> None:
        self._kept: dict[int, _Kept] = {}

    def get(self, user_id: int, signature: Hashable) -> dict[int, int] | None:
        kept = self._kept.get(user_id)
        if kept is None or kept.signature != signature:
            return None
        if time.monotonic() - kept.at >= COUNTS_FRESH_FOR:
            return None
        return kept.counts

    def put(self, user_id: int, signature: Hashable, counts: dict[int, int]) -> None:
        now = time.monotonic()
        if len(self._kept) >= PRUNE_PAST:
            self._kept = {
                key: kept for key, kept in self._kept.items() if now - kept.at < COUNTS_FRESH_FOR
            }
        self._kept[user_id] = _Kept(at=now, signature=signature, counts=counts)

    def clear(self) -> None:
        self._kept.clear()


def of_app(app: FastAPI) -> KeptCounts:
    """The app's own: each app (and each test's) keeps its counts apart."""
    kept = getattr(app.state, "saved_view_counts", None)
    if kept is None:
        kept = app.state.saved_view_counts = KeptCounts()
    return kept


def kept_counts(request: Request) -> KeptCounts:
    return of_app(request.app)
