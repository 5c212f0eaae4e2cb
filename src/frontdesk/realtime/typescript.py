"""The front ends' event types, written from realtime/catalogue.py so they cannot drift from it.

    python -m frontdesk.realtime.typescript      # from the repository root

writes `web/desk/src/realtime/events.gen.ts` (every event a desk receives) and
`web/messenger/src/events.gen.ts` (the events a visitor receives, as the visitor receives them).
"""

import enum
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args, get_origin, get_type_hints

from frontdesk.realtime.catalogue import EVENTS, EventSpec


class Audience(enum.Enum):
    desk = "desk"
    messenger = "messenger"


TARGETS = {
    Audience.desk: Path("web/desk/src/realtime/events.gen.ts"),
    Audience.messenger: Path("web/messenger/src/events.gen.ts"),
}

HEADER = (
    "// Generated from src/frontdesk/realtime/catalogue.py by "
    "`python -m frontdesk.realtime.typescript`: do not edit.\n"
)

_SCALARS: dict[object, str] = {
    int: "number",
    float: "number",
    str: "string",
    bool: "boolean",
    type(None): "null",
}


def _ts(tp: object, named: Callable[[type], str]) -> str:
    if tp in _SCALARS:
        return _SCALARS[tp]
    if isinstance(tp, type) and typing.is_typeddict(tp):
        return named(tp)
    origin = get_origin(tp)
    if origin is Literal:
        return " | ".join(f'"{value}"' for value in get_args(tp))
    if origin is list:
        (item,) = get_args(tp)
        inner = _ts(item, named)
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if origin is dict:
        key, value = get_args(tp)
        return f"Record<{_ts(key, named)}, {_ts(value, named)}>"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_ts(arg, named) for arg in get_args(tp))
    raise TypeError(f"no TypeScript for {tp!r}: extend realtime/typescript.py")


def _payload(spec: EventSpec, audience: Audience) -> type | None:
    if not spec.delivered:
        return None
    return spec.data if audience is Audience.desk else spec.visitor_data


def render(audience: Audience) -> str:
    """The module's text: one type per payload (nested ones first), then the event table."""
    written: dict[type, str] = {}
    blocks: list[str] = []

    def named(payload: type) -> str:
        if payload not in written:
            written[payload] = payload.__name__
            hints = get_type_hints(payload)
            optional: frozenset[str] = getattr(payload, "__optional_keys__", frozenset())
            fields = [
                f"  {key}{'?' if key in optional else ''}: {_ts(value, named)};"
                for key, value in hints.items()
            ]
            body = "\n".join(fields)
            blocks.append(
                f"export type {payload.__name__} = {{\n{body}\n}};\n"
                if fields
                else f"export type {payload.__name__} = Record<string, never>;\n"
            )
        return written[payload]

    table = [
        (spec, named(payload))
        for spec in EVENTS
        if (payload := _payload(spec, audience)) is not None
    ]
    prefix = "Desk" if audience is Audience.desk else "Visitor"
    rows = "\n".join(f'  "{spec.name}": {name};' for spec, name in table)
    return "\n".join(
        [
            HEADER,
            *blocks,
            f"/** Event name -> the `data` it carries. */\nexport type {prefix}Events = {{\n"
            f"{rows}\n}};\n",
            f"export type {prefix}EventName = keyof {prefix}Events;\n",
            "/** One event's envelope, `data` typed by `type`; `chat_id` and `seq` are set on the\n"
            " * stored chat events (docs/realtime.md). */\n"
            f"export type {prefix}Event = {{\n"
            f"  [K in {prefix}EventName]: {{\n"
            "    type: K;\n"
            "    chat_id: number | null;\n"
            "    seq: number | null;\n"
            "    at: string;\n"
            f"    data: {prefix}Events[K];\n"
            "  };\n"
            f"}}[{prefix}EventName];\n",
        ]
    )


def main(root: Path) -> None:
    for audience, path in TARGETS.items():
        (root / path).write_text(render(audience))
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
