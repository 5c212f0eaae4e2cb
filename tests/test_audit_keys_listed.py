"""The desk's list of the keys an audit entry's changes can hold
(web/desk/src/audit/auditedKeys.json) holds every key the server writes: each audited model's
fields (audit/audited.py) and the keys of the explicit `audit.record(..., changes=...)` calls. The
desk's unit test (auditWords.test.ts) checks that each listed key has words in English and French,
so a new audited field without words fails here first (docs/security.md, "Audit log")."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from frontdesk.audit.audited import AUDITED

ROOT = Path(__file__).resolve().parents[1]
LISTED = ROOT / "web" / "desk" / "src" / "audit" / "auditedKeys.json"


def _listed() -> set[str]:
    return set(json.loads(LISTED.read_text()))


def _dict_keys(node: ast.expr) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            elif key is None:  # **{...} spread into the literal
                keys |= _dict_keys(value)
    return keys


def _written_explicitly() -> set[str]:
    """Keys of dict literals passed as `changes=` to a `record(...)` call, and of
    `changes["key"] = ...` in a module that records audit entries."""
    keys: set[str] = set()
    for path in (ROOT / "src" / "frontdesk").rglob("*.py"):
        source = path.read_text()
        if "audit" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
                if name == "record":
                    for keyword in node.keywords:
                        if keyword.arg == "changes":
                            keys |= _dict_keys(keyword.value)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "changes"
                        and isinstance(target.slice, ast.Constant)
                        and isinstance(target.slice.value, str)
                    ):
                        keys.add(target.slice.value)
    return keys


def test_every_audited_field_is_listed_for_the_desk() -> None:
    fields = {name for audited in AUDITED for name in audited.fields}
    assert fields - _listed() == set()


def test_every_key_of_an_explicit_audit_entry_is_listed_for_the_desk() -> None:
    found = _written_explicitly()
    assert {"method", "reason", "shared_requests", "notes", "owner", "access"} <= found
    assert found - _listed() == set()
