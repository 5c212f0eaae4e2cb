"""`frontdesk customers import FILE [--dry-run]`: the desk's import from the command line, run
in-process against a SQLite file (as tests/unit/test_cli.py runs the other commands)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.unit.test_cli import environment, migrated, ok, run  # noqa: F401

SHEET = "Full name;E-mail;Phone\nAda Lovelace;Ada@Example.org;+44 20 7946 0958\nBob;bob@;\n"


def customers(environment: Path) -> list[tuple[str, str]]:  # noqa: F811
    with sqlite3.connect(environment / "cli.db") as db:
        return db.execute(
            "SELECT customers.name, customer_contacts.value FROM customers JOIN "
            "customer_contacts ON customer_contacts.customer_id = customers.id "
            "ORDER BY customer_contacts.id"
        ).fetchall()


def test_a_dry_run_then_the_import_then_again(
    environment: Path,  # noqa: F811
    migrated: None,  # noqa: F811
) -> None:
    sheet = environment / "customers.csv"
    sheet.write_text(SHEET, encoding="utf-8-sig")
    said = ok("customers", "import", str(sheet), "--dry-run")
    assert said.splitlines() == [
        "2 rows: 1 would create, 0 would update, 0 would skip, 1 error "
        "(dry run: nothing was written)",
        "Row 3: 'bob@' is not an email address.",
    ]
    assert customers(environment) == []
    said = ok("customers", "import", str(sheet))
    assert said.splitlines()[0] == "2 rows: 1 created, 0 updated, 0 skipped, 1 error"
    assert customers(environment) == [
        ("Ada Lovelace", "ada@example.org"),
        ("Ada Lovelace", "+442079460958"),
    ]
    said = ok("customers", "import", str(sheet))
    assert said.splitlines()[0] == "2 rows: 0 created, 0 updated, 1 skipped, 1 error"
    with sqlite3.connect(environment / "cli.db") as db:
        (changes,) = db.execute(
            "SELECT changes FROM audit_events WHERE action = 'customers.imported' "
            "AND actor_kind = 'system' ORDER BY id"
        ).fetchall()[-1]
    assert '"created": 0' in changes


def test_a_file_it_cannot_read_is_one_line_and_exit_1(
    environment: Path,  # noqa: F811
    migrated: None,  # noqa: F811
) -> None:
    sheet = environment / "customers.csv"
    sheet.write_bytes(b"Name,Phone\nAda,0100\n")
    result = run("customers", "import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: No column of this file holds email addresses")
    result = run("customers", "import", str(environment / "missing.csv"))
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
    assert customers(environment) == []
