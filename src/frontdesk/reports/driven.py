"""An SQL expression that, with `db.planning.Unindexed`, makes each store read the moments of a
few conversations from the conversation's indexes instead of a whole range of moments (the label
filter, reports/service.py).

Neither planner picks that order by itself: SQLite (the app never runs ANALYZE, so it has no
statistics) prefers an equality on `kind` and a range of quarters, the covering index led by
kind, and probes every moment of the range; PostgreSQL builds the label's ids as a hashed set and
probes it for each moment too. A label is on a small share of the conversations, so reading its
conversations' moments is a small share of the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class Among(ColumnElement[bool]):
    """`column IN (ids)`, where `ids` is a one-column select of few rows. On PostgreSQL
    `column = ANY(ARRAY(ids))`: the array is built once and the planner, not knowing its length,
    expects few values and probes the column's index once per value (a bitmap scan, an OR of two
    such is a BitmapOr), where `IN (ids)` was a hashed set probed by every row of the range."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition: no "= 1" where booleans are integers
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, ids: Select[Any]) -> None:
        self.column: ColumnElement[Any] = coercions.expect(roles.ExpressionElementRole, column)
        self.ids = ids


@compiles(Among)
def _among(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(Among, "postgresql")
def _among_postgresql(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)
    return f"{column} = ANY (ARRAY({ids}))"
