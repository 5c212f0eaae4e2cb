"""A ticket reopened after its last close no longer counts as resolved.

`metric_moments.last_close` marks the close a resolution counts (reports' resolution time, an
agent's tickets closed): the last close of the ticket. It only asked whether a later close
existed, so a ticket closed then reopened, and still open, went on counting as resolved at its
old close; reports.md says a ticket still reopened counts nowhere. Now a later `reopened` moment
unmarks it too, and the ticket's next close is marked again. The marker's triggers fire on
`reopened` moments as well (they are rare: a message's moment is never one), and every close is
marked afresh once; the roll-ups follow by their own triggers.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-05 03:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None


def _stuck(ends: str) -> str:
    return (
        "(kind = 'solved' AND NOT EXISTS (SELECT 1 FROM metric_moments AS later "  # noqa: S608
        "WHERE later.ticket_id = metric_moments.ticket_id AND later.kind IN "
        f"({ends}) AND later.at > metric_moments.at))"
    )


NEW_ENDS = "'solved', 'reopened'"
OLD_ENDS = "'solved'"
# As 0035: SQLite would search a ticket's closes by the index led by kind; `+kind` keeps it on
# the ticket's few moments.
_TICKET = "ticket_id = {}.ticket_id AND kind = 'solved'"
_SQLITE_TICKET = "ticket_id = {}.ticket_id AND +kind = 'solved'"


def _restick(where: str, ends: str) -> str:
    stuck = _stuck(ends)
    return (
        f"UPDATE metric_moments SET last_close = {stuck} "  # noqa: S608 (constants only)
        f"WHERE {where} AND last_close <> {stuck}"
    )


def _sqlite(ends: str) -> None:
    for name in ("last_close_insert", "last_close_delete", "last_close_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        "CREATE TRIGGER last_close_insert AFTER INSERT ON metric_moments "
        f"WHEN new.kind IN ({ends}) "
        f"BEGIN {_restick('id = new.id', ends)}; "
        f"{_restick(_SQLITE_TICKET.format('new'), ends)}; END"
    )
    op.execute(
        "CREATE TRIGGER last_close_delete AFTER DELETE ON metric_moments "
        f"WHEN old.kind IN ({ends}) AND old.ticket_id IS NOT NULL "
        f"BEGIN {_restick(_SQLITE_TICKET.format('old'), ends)}; END"
    )
    op.execute(
        "CREATE TRIGGER last_close_update AFTER UPDATE OF kind, ticket_id, at ON metric_moments "
        f"WHEN (old.kind IN ({ends}) OR new.kind IN ({ends})) AND (old.kind IS NOT new.kind "
        "OR old.ticket_id IS NOT new.ticket_id OR old.at IS NOT new.at) "
        f"BEGIN {_restick('id = new.id', ends)}; "
        f"{_restick(_SQLITE_TICKET.format('old'), ends)}; "
        f"{_restick(_SQLITE_TICKET.format('new'), ends)}; END"
    )


def _postgresql(ends: str) -> None:
    for name in (
        "metric_last_close_insert",
        "metric_last_close_delete",
        "metric_last_close_update",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON metric_moments")
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION metric_last_close_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.kind IN ({ends})
             AND OLD.ticket_id IS NOT NULL THEN
            {_restick(_TICKET.format("OLD"), ends)};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_restick("id = NEW.id", ends)};
            IF NEW.kind IN ({ends}) AND NEW.ticket_id IS NOT NULL THEN
              {_restick(_TICKET.format("NEW"), ends)};
            END IF;
          END IF;
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_insert AFTER INSERT ON metric_moments "
        f"FOR EACH ROW WHEN (NEW.kind IN ({ends})) EXECUTE FUNCTION metric_last_close_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_delete AFTER DELETE ON metric_moments "
        f"FOR EACH ROW WHEN (OLD.kind IN ({ends}) AND OLD.ticket_id IS NOT NULL) "
        "EXECUTE FUNCTION metric_last_close_keep()"
    )
    op.execute(
        "CREATE TRIGGER metric_last_close_update AFTER UPDATE OF kind, ticket_id, at "
        f"ON metric_moments FOR EACH ROW WHEN ((OLD.kind IN ({ends}) OR NEW.kind IN ({ends})) "
        "AND (OLD.kind, OLD.ticket_id, OLD.at) IS DISTINCT FROM (NEW.kind, NEW.ticket_id, NEW.at)) "
        "EXECUTE FUNCTION metric_last_close_keep()"
    )


def _mark(ends: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql(ends)
    else:
        _sqlite(ends)
    op.execute(_restick("kind = 'solved'", ends))


def upgrade() -> None:
    _mark(NEW_ENDS)


def downgrade() -> None:
    _mark(OLD_ENDS)
