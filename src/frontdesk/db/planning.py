"""Steering the stores' planners: PostgreSQL to plan each statement for the values it is given,
SQLite away from an index that looks selective and is not.

asyncpg prepares every statement and PostgreSQL, after five runs of a prepared statement, may
switch to a generic plan made without the parameters' values. For a statement whose best plan
depends on its values (a report over a month or over a year, the same SQL), the generic plan can
be the wrong one: the reports' volume for a year took 60-80 ms for its first five runs and
0.9-1.3 s from the sixth on. Planning each time costs a fraction of a millisecond here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


async def plan_for_values(session: AsyncSession) -> None:
    """For the rest of the session's transaction (SQLite plans every statement anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


class Unindexed(ColumnElement[Any]):
    """A column that no index may serve in a condition: on SQLite a unary `+` (its documented
    way), on PostgreSQL `|| ''` when `everywhere` (a text column), elsewhere the column itself."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("everywhere", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: Any, *, everywhere: bool = False) -> None:
        self.column: ColumnElement[Any] = coercions.expect(roles.ExpressionElementRole, column)
        self.everywhere = everywhere
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


@compiles(Unindexed, "postgresql")
def _unindexed_postgresql(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"({column} || '')" if element.everywhere else column
