"""Customers from a CSV file, the list a team brings from another help desk (docs/desk.md,
"Importing customers"; docs/api.md, "Importing customers").

- **The file.** UTF-8 (with or without a byte order mark), comma, semicolon or tab separated
  (the one under which the first row names the most known columns), its first row the column
  names. The columns are found by name (`headers`): an email column is required, a name (or a
  first and a last name) and a phone are optional, the rest is ignored. At most `MAX_BYTES` and
  `MAX_ROWS` rows. A file that is none of this is refused whole (`ImportRefused`), in words that
  say what to change, before anything is read from the database.
- **The rows.** The address identifies the customer, in the form the customers service stores
  it (`service.normalize_contact`), checked as the API checks one (`EmailStr`); a phone is checked
  and kept as the API does (`schemas.Phone`, then `normalize_contact`). A row numbers itself as
  the spreadsheet shows it: the column names are row 1.
- **What a row does.** A new address: a customer, made as **New customer** makes one (verified,
  created by the importing admin). An address that is someone's: their name and phone are filled
  in only where they have none, never overwritten; "updated" only when something changed, else
  "skipped". Skipped with the reason: a later row of an address already in the file (the first
  wins), a blocked sender (spam/senders.py), a customer or address being erased (privacy).
  An error (nothing written for the row): no address but a name or a phone, a bad address,
  phone or name, a phone that is another customer's or another row's.
- **Batches.** `BATCH` rows a transaction, each short (the SQLite writer is the desk's one
  connection), a dry run too: every batch reads what it needs in a few statements, locks the
  existing customers it may fill in (in id order, `FOR NO KEY UPDATE` as merges and erasures
  do), and decides under the locks, so an agent's edit meanwhile is never overwritten. Its
  new customers are made together (`_create_all`); a customer created meanwhile with a row's
  address (the unique contact refuses ours) is that row's existing customer (`_create_one`).
  Run again, the same file creates nothing: every address is someone's.
- **Recorded** as one audit entry with the counts (`customers.imported`), not one per row, and
  nothing personal in it (the audit log outlives an erasure); each customer made or changed is
  told to webhooks as any other (customers/changes.py).
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass, field

import anyio
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.customers import changes, service
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.customers.schemas import Phone
from frontdesk.db.session import drop_hooks_since, hooks_mark
from frontdesk.errors import FrontdeskError
from frontdesk.organisations import queries as organisation_queries
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.spam.senders import BlockedAmong
from frontdesk.users.models import User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Rows a transaction: a few statements each, whatever the number of rows.
BATCH = 200
# Problems an answer lists; the rest are counted (`problems_left_out`).
MAX_PROBLEMS = 100
# The rows a preview shows as read, to check that the columns were understood.
FIRST_ROWS = 10
MAX_NAME = 200
# A file in another format than text, by its first bytes.
_NOT_TEXT = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
}
SAVE_AS_CSV = (
    'In your spreadsheet, choose "Save as" or "Download" → "CSV UTF-8", and import that file.'
)


class ImportRefused(FrontdeskError):
    """The file as a whole cannot be imported: the message says what to change in it."""

    status_code = 422
    code = "import_refused"


class ImportTooLarge(ImportRefused):
    status_code = 413
    code = "import_too_large"

    def __init__(self) -> None:
        super().__init__(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: import at most "
            f"{MAX_ROWS:,} customers at a time. Split the file into smaller ones."
        )


# --- reading the file ----------------------------------------------------------------------------


class Column(enum.StrEnum):
    email = "email"
    name = "name"
    first_name = "first_name"
    last_name = "last_name"
    phone = "phone"


def _key(header: str) -> str:
    """A column name as compared: without accents, case, spaces or punctuation ("E-mail
    address" → "emailaddress", "Téléphone" → "telephone")."""
    decomposed = unicodedata.normalize("NFKD", header.strip().lstrip("\ufeff"))
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# The names each column is known by, in English and French, as _key writes them.
HEADERS: dict[Column, frozenset[str]] = {
    Column.email: _names(
        "email emails mail emailaddress mailaddress primaryemail workemail courriel adresseemail "
        "adressemail adressecourriel adresseelectronique"
    ),
    Column.name: _names(
        "name fullname customername contactname displayname customer contact nom nomcomplet "
        "nometprenom prenometnom nomprenom prenomnom client nomduclient"
    ),
    Column.first_name: _names("firstname givenname forename prenom"),
    Column.last_name: _names("lastname surname familyname nomdefamille"),
    Column.phone: _names(
        "phone phones phonenumber telephone telephonenumber tel mobile mobilephone mobilenumber "
        "cell cellphone portable numerodetelephone telephoneportable"
    ),
}
_KNOWN = {name: column for column, names in HEADERS.items() for name in names}


@dataclass(frozen=True)
class Columns:
    """Where each column is, by its index in a row; `headers` as the file writes them."""

    headers: tuple[str, ...]
    at: dict[Column, int]

    def header(self, column: Column) -> str | None:
        index = self.at.get(column)
        return None if index is None else self.headers[index]

    @property
    def ignored(self) -> list[str]:
        used = set(self.at.values())
        return [h for i, h in enumerate(self.headers) if i not in used and h.strip()]


def columns_of(headers: Sequence[str]) -> Columns:
    at: dict[Column, int] = {}
    for index, header in enumerate(headers):
        column = _KNOWN.get(_key(header))
        if column is not None and column not in at:
            at[column] = index
    # "Prénom" beside "Nom": the latter is the family name, as French lists write them.
    name_at = at.get(Column.name)
    family = name_at is not None and _key(headers[name_at]) == "nom"
    if family and Column.first_name in at and Column.last_name not in at:
        at[Column.last_name] = at.pop(Column.name)
    return Columns(tuple(header.strip().lstrip("\ufeff") for header in headers), at)


@dataclass(frozen=True)
class ParsedFile:
    delimiter: str
    columns: Columns
    # (row number as the spreadsheet shows it, its cells): blank rows left out.
    records: list[tuple[int, list[str]]]


def _text(data: bytes) -> str:
    for magic, what in _NOT_TEXT.items():
        if data.startswith(magic):
            raise ImportRefused(f"This file is {what}, not a CSV file. {SAVE_AS_CSV}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(f"This file is UTF-16 text; the import reads UTF-8. {SAVE_AS_CSV}")
    if b"\x00" in data:
        raise ImportRefused(f"This is not a CSV file: it holds binary data. {SAVE_AS_CSV}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            f"The file is not UTF-8 text (line {line} holds a byte UTF-8 does not use: it was "
            f"saved in another encoding, such as Windows-1252). {SAVE_AS_CSV}"
        ) from None
    if not text.strip():
        raise ImportRefused(
            "The file is empty: its first row names the columns, then one customer a row."
        )
    return text


def _rows(text: str, delimiter: str) -> Iterable[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def _first_row(text: str, delimiter: str) -> list[str]:
    try:
        for row in _rows(text, delimiter):
            if any(cell.strip() for cell in row):
                return row
    except csv.Error:
        return []
    return []


def parse(data: bytes) -> ParsedFile:
    """The file read, its columns found; `ImportRefused` for a file that cannot be imported."""
    if len(data) > MAX_BYTES:
        raise ImportTooLarge
    text = _text(data)
    # The separator under which the first row names the most known columns, then has the most.
    scored = []
    for delimiter in (",", ";", "\t"):
        headers = _first_row(text, delimiter)
        known = len(columns_of(headers).at)
        scored.append((known, len(headers), delimiter))
    _known, _count, delimiter = max(scored, key=lambda score: (score[0], score[1]))
    records: list[tuple[int, list[str]]] = []
    columns: Columns | None = None
    number = 0
    try:
        for row in _rows(text, delimiter):
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns = columns_of(row)
                _ensure_email_column(columns)
                continue
            records.append((number, row))
            if len(records) > MAX_ROWS:
                raise ImportRefused(
                    f"The file has more than {MAX_ROWS:,} customers: import at most {MAX_ROWS:,} "
                    "at a time. Split it into smaller files."
                )
    except csv.Error as exc:
        raise ImportRefused(
            f"Row {number + 1} cannot be read as CSV ({exc}). {SAVE_AS_CSV}"
        ) from None
    if columns is None:
        raise ImportRefused(
            "The file is empty: its first row names the columns, then one customer a row."
        )
    if not records:
        raise ImportRefused(
            "The file has no customers: only its first row, the column names. Add one customer a "
            "row below it."
        )
    return ParsedFile(delimiter, columns, records)


def _ensure_email_column(columns: Columns) -> None:
    if Column.email in columns.at:
        return
    found = ", ".join(f'"{h}"' for h in columns.headers if h.strip()) or "nothing"
    hint = ""
    if any("@" in h for h in columns.headers):
        hint = " It looks like a customer: add a first row that names the columns."
    raise ImportRefused(
        "No column of this file holds email addresses, which identify customers: its first row "
        'must name the columns, one of them "Email" (or "E-mail", "Email address", "Courriel"). '
        f"Its first row has {found}.{hint}"
    )


# --- checking the rows ---------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    create = "create"
    update = "update"
    skip = "skip"
    error = "error"


_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)
_PHONE: TypeAdapter[str] = TypeAdapter(Phone)
_SPACES = re.compile(r"\s+")
# What kit/spreadsheet.safe_cell put before a cell a spreadsheet would run: our own exports
# imported again read as they were written.
_ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass
class Row:
    row: int
    email: str | None
    name: str
    phone: str | None
    # As the file writes them, for the preview.
    given_email: str
    given_phone: str
    problem: tuple[str, str] | None = None


def _cell(cells: list[str], columns: Columns, column: Column) -> str:
    index = columns.at.get(column)
    if index is None or index >= len(cells):
        return ""
    return _ESCAPED.sub("", _SPACES.sub(" ", cells[index]).strip())


def check_row(number: int, cells: list[str], columns: Columns) -> Row:
    """One row's values in the form they are stored, or what is wrong with it."""
    given_email = _cell(cells, columns, Column.email)
    given_phone = _cell(cells, columns, Column.phone)
    name = _cell(cells, columns, Column.name) or " ".join(
        part
        for part in (
            _cell(cells, columns, Column.first_name),
            _cell(cells, columns, Column.last_name),
        )
        if part
    )
    row = Row(number, None, name, None, given_email, given_phone)
    if not given_email:
        row.problem = (
            "email_missing",
            f"Row {number}: no email address, and a customer is identified by their address, "
            "so this row cannot be imported. Add their address.",
        )
        return row
    try:
        row.email = service.normalize_contact(
            ContactKind.email, _EMAIL.validate_python(given_email)
        )
    except ValidationError:
        row.problem = ("email_invalid", f"Row {number}: '{given_email}' is not an email address.")
        return row
    if len(name) > MAX_NAME:
        row.problem = (
            "name_too_long",
            f"Row {number}: the name is longer than {MAX_NAME} characters.",
        )
        return row
    if given_phone:
        phone = ""
        with suppress(ValidationError):
            phone = service.normalize_contact(
                ContactKind.phone, _PHONE.validate_python(given_phone)
            )
        if not any(ch.isdigit() for ch in phone):
            row.problem = (
                "phone_invalid",
                f"Row {number}: '{given_phone}' is not a phone number (3 to 40 of digits, spaces "
                "and + ( ) - .).",
            )
            return row
        row.phone = phone
    return row


def check_rows(records: Sequence[tuple[int, list[str]]], columns: Columns) -> list[Row]:
    return [check_row(number, cells, columns) for number, cells in records]


# --- importing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    outcome: Outcome
    code: str
    message: str


@dataclass(frozen=True)
class RowResult:
    """A row of the preview: what it holds and what it does."""

    row: int
    name: str
    email: str
    phone: str
    outcome: Outcome
    # For an update, what is filled in ("name", "phone"); for a skip or an error, why.
    filled: tuple[str, ...] = ()
    code: str | None = None
    message: str | None = None


@dataclass
class Report:
    dry_run: bool
    parsed: ParsedFile
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_left_out: int = 0
    first_rows: list[RowResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.parsed.records)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
        }

    # The outcomes of the batch being written, told once it committed (`settle`), in row
    # order: rows created together are told after the others of their batch.
    waiting: list[RowResult] = field(default_factory=list)

    def add(
        self,
        row: Row,
        outcome: Outcome,
        *,
        filled: tuple[str, ...] = (),
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        self.waiting.append(
            RowResult(
                row.row, row.name, row.given_email, row.given_phone, outcome, filled, code, message
            )
        )

    def settle(self) -> None:
        for result in sorted(self.waiting, key=lambda each: each.row):
            if result.outcome is Outcome.create:
                self.created += 1
            elif result.outcome is Outcome.update:
                self.updated += 1
            elif result.outcome is Outcome.skip:
                self.skipped += 1
            else:
                self.errors += 1
            code, message = result.code, result.message
            if code is not None and message is not None and code != UNCHANGED:
                if len(self.problems) < MAX_PROBLEMS:
                    self.problems.append(Problem(result.row, result.outcome, code, message))
                else:
                    self.problems_left_out += 1
            if len(self.first_rows) < FIRST_ROWS:
                self.first_rows.append(result)
        self.waiting.clear()


UNCHANGED = "unchanged"
Transactions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class ImportStopped(FrontdeskError):
    """The admin who imports lost the right to (deactivated, no longer an admin) meanwhile."""

    status_code = 403
    code = "import_stopped"


@dataclass
class _Run:
    """What the batches share: the addresses and phones earlier rows took."""

    report: Report
    write: bool
    by: int | None
    emails: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)


async def import_customers(
    transactions: Transactions,
    parsed: ParsedFile,
    *,
    by: int | None,
    dry_run: bool,
    batch: int | None = None,
) -> Report:
    """Imports (or, `dry_run`, tells what importing would do with) the file's rows, `batch` rows
    a transaction, each opened by `transactions`. `by`: the admin importing (the command line:
    None). The audit entry is written after the last batch, or after the one that failed."""
    run = _Run(Report(dry_run=dry_run, parsed=parsed), write=not dry_run, by=by)
    records = parsed.records
    size = batch or BATCH
    try:
        for start in range(0, len(records), size):
            # Checked off the event loop: the address checks cost ~0.1 ms a row, tens of
            # milliseconds a batch that the desk's requests would otherwise wait behind.
            rows = await anyio.to_thread.run_sync(
                check_rows, records[start : start + size], parsed.columns
            )
            run.report.waiting.clear()
            async with transactions() as session:
                await _batch(session, run, rows)
            run.report.settle()
    finally:
        if not dry_run:
            async with transactions() as session:
                report = run.report
                done = report.created + report.updated + report.skipped + report.errors
                audit.record(
                    session,
                    action="customers.imported",
                    changes={
                        **report.counts(),
                        **({"stopped_after": done} if done < report.rows else {}),
                    },
                )
    return run.report


async def _importer(session: AsyncSession, by: int | None) -> User | None:
    if by is None:
        return None
    user = await session.get(User, by)
    if user is None or not user.is_active or not user.is_admin:
        raise ImportStopped("The import stopped: you may no longer import customers.")
    return user


@dataclass
class _Known:
    """What a batch reads of the customers its addresses and phones name."""

    owners: dict[str, int]
    customers: dict[int, Customer]
    with_phone: set[int]
    phone_owners: dict[str, int]
    erased_ids: set[int]
    erased_emails: set[str]


async def _owners(
    session: AsyncSession, kind: ContactKind, values: Iterable[str]
) -> dict[str, int]:
    wanted = sorted(set(values))
    if not wanted:
        return {}
    rows = await session.execute(
        select(CustomerContact.value, CustomerContact.customer_id).where(
            CustomerContact.kind == kind, CustomerContact.value.in_(wanted)
        )
    )
    return {value: int(customer_id) for value, customer_id in rows.all()}


async def _lock(
    session: AsyncSession, customer_ids: Iterable[int], *, write: bool
) -> dict[int, Customer]:
    """The customers, read again (locked in id order when writing: as a merge's or an erasure's
    start, `FOR NO KEY UPDATE`, so mail arriving for them is not held up)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    query = select(Customer).where(Customer.id.in_(ids)).order_by(Customer.id)
    if write:
        query = query.with_for_update(key_share=True)
    found = await session.scalars(query.execution_options(populate_existing=True))
    return {customer.id: customer for customer in found}


async def _with_phone(session: AsyncSession, customer_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    found = await session.scalars(
        select(CustomerContact.customer_id)
        .where(CustomerContact.kind == ContactKind.phone, CustomerContact.customer_id.in_(ids))
        .distinct()
    )
    return set(found)


async def _being_erased(session: AsyncSession) -> tuple[set[int], set[str]]:
    """The records and addresses of the erasures running now (few run at a time: read, not
    indexed, as customers/service.py `_ensure_not_being_erased` does); read after the locks."""
    ids: set[int] = set()
    emails: set[str] = set()
    for erasure in await session.scalars(
        select(Erasure).where(Erasure.finished_at.is_(None), Erasure.kind == ErasureKind.customer)
    ):
        progress = erasure.progress or {}
        if erasure.customer_id is not None:
            ids.add(erasure.customer_id)
        ids.update(int(each) for each in progress.get("customers") or [])
        ids.update(int(each) for each in (progress.get("owners") or {}).values())
        emails.update(progress.get("emails") or [])
    return ids, emails


async def _known(session: AsyncSession, rows: Sequence[Row], *, write: bool) -> _Known:
    emails = [row.email for row in rows if row.email and row.problem is None]
    owners = await _owners(session, ContactKind.email, emails)
    customers = await _lock(session, owners.values(), write=write)
    # A merge that committed while the lock waited moved the addresses: read them again, and
    # lock who has them now.
    if any(customer.merged_into_id is not None for customer in customers.values()) or len(
        customers
    ) < len(set(owners.values())):
        owners = await _owners(session, ContactKind.email, emails)
        customers |= await _lock(session, set(owners.values()) - set(customers), write=write)
    erased_ids, erased_emails = await _being_erased(session)
    return _Known(
        owners=owners,
        customers=customers,
        with_phone=await _with_phone(session, owners.values()),
        phone_owners=await _owners(
            session, ContactKind.phone, [row.phone for row in rows if row.phone]
        ),
        erased_ids=erased_ids,
        erased_emails=erased_emails,
    )


async def _batch(session: AsyncSession, run: _Run, rows: Sequence[Row]) -> None:
    user = await _importer(session, run.by)
    known = await _known(session, rows, write=run.write)
    blocked = await BlockedAmong.load(
        session, addresses=[row.email for row in rows if row.email and row.problem is None]
    )
    report = run.report
    # The new customers of the batch, made together once every row is decided.
    new: list[tuple[Row, str]] = []
    for row in rows:
        email = row.email
        if row.problem is not None or email is None:
            code, message = row.problem or ("email_missing", f"Row {row.row}: no email address.")
            report.add(row, Outcome.error, code=code, message=message)
            continue
        first = run.emails.get(email)
        if first is not None:
            report.add(
                row,
                Outcome.skip,
                code="duplicate",
                message=f"Row {row.row}: {email} is also on row {first}, which is the one "
                "imported.",
            )
            continue
        run.emails[email] = row.row
        if await blocked.of(session, address=email):
            report.add(
                row,
                Outcome.skip,
                code="blocked_sender",
                message=f"Row {row.row}: {email} is a blocked sender (Spam → Blocked senders), "
                "so it is not imported.",
            )
            continue
        owner = known.owners.get(email)
        if email in known.erased_emails or (owner is not None and owner in known.erased_ids):
            report.add(
                row,
                Outcome.skip,
                code="being_erased",
                message=f"Row {row.row}: the customer with {email} is being erased, so it is "
                "not imported.",
            )
            continue
        # None too for a record an erasure deleted between the reads (its address went with it).
        existing = known.customers.get(owner) if owner is not None else None
        if existing is not None:
            await _fill_in(session, run, known, row, existing)
            continue
        refusal = _phone_refusal(run, known, row, customer_id=None)
        if refusal is not None:
            report.add(row, Outcome.error, code="phone_taken", message=refusal)
            continue
        if row.phone is not None:
            run.phones[row.phone] = row.row
        new.append((row, email))
    await _create_all(session, run, known, new, user)


def _phone_refusal(run: _Run, known: _Known, row: Row, *, customer_id: int | None) -> str | None:
    phone = row.phone
    if phone is None:
        return None
    owner = known.phone_owners.get(phone)
    if owner is not None and owner != customer_id:
        return (
            f"Row {row.row}: the phone {phone} already belongs to another customer. Leave it "
            "out, or merge the two customers."
        )
    other = run.phones.get(phone)
    if other is not None and other != row.row:
        return f"Row {row.row}: the phone {phone} is also on row {other}, for another address."
    return None


async def _fill_in(
    session: AsyncSession, run: _Run, known: _Known, row: Row, customer: Customer
) -> None:
    """An existing customer: their name and phone filled in where they have none."""
    report = run.report
    name = row.name if row.name and not customer.name else None
    phone = row.phone if row.phone and customer.id not in known.with_phone else None
    if phone is not None:
        refusal = _phone_refusal(run, known, row, customer_id=customer.id)
        if refusal is not None:
            report.add(row, Outcome.error, code="phone_taken", message=refusal)
            return
    if name is None and phone is None:
        report.add(row, Outcome.skip, code=UNCHANGED, message=None)
        return
    if run.write:
        mark = hooks_mark(session)
        try:
            async with session.begin_nested():
                await service.update_customer(
                    session, customer=customer, name=name, phones=[phone] if phone else None
                )
        except service.ContactTaken:
            # Their phone, given to someone else since the batch read it.
            drop_hooks_since(session, mark)
            await session.refresh(customer)
            report.add(
                row,
                Outcome.error,
                code="phone_taken",
                message=f"Row {row.row}: the phone {phone} already belongs to another customer.",
            )
            return
    if phone is not None:
        run.phones[phone] = row.row
        known.with_phone.add(customer.id)
    filled = tuple(what for what, value in (("name", name), ("phone", phone)) if value)
    report.add(row, Outcome.update, filled=filled)


async def _create_all(
    session: AsyncSession,
    run: _Run,
    known: _Known,
    new: Sequence[tuple[Row, str]],
    user: User | None,
) -> None:
    """The batch's new customers, made as **New customer** makes one (customers/service.py
    `create_customer`: verified, created by the importing admin, told to webhooks), in a few
    statements for the whole batch: one customer at a time through the service is 15
    statements a row, a minute for 10,000 rows on SQLite. When an address or phone turns out
    to be someone's (created since the batch read them), nothing of it stays and each row is
    made alone (`_create_one`), which tells those apart."""
    if not new:
        return
    if not run.write:
        for row, _email in new:
            run.report.add(row, Outcome.create)
        return
    mark = hooks_mark(session)
    # As the service does for one: each joins the organisation of their address's domain.
    joining = await organisation_queries.organisations_by_domain(
        session, addresses=[email for _row, email in new]
    )
    made = [
        Customer(
            name=row.name,
            attributes={},
            notes="",
            created_by_id=user.id if user else None,
            verified=True,
            organisation_id=joining.get(email),
        )
        for row, email in new
    ]
    try:
        async with session.begin_nested():
            session.add_all(made)
            await session.flush()
            contacts = []
            for customer, (row, email) in zip(made, new, strict=True):
                contacts.append(
                    CustomerContact(customer_id=customer.id, kind=ContactKind.email, value=email)
                )
                if row.phone is not None:
                    contacts.append(
                        CustomerContact(
                            customer_id=customer.id, kind=ContactKind.phone, value=row.phone
                        )
                    )
            session.add_all(contacts)
            await session.flush()
    except IntegrityError:
        drop_hooks_since(session, mark)
        for row, email in new:
            await _create_one(session, run, known, row, email, user)
        return
    for customer, (row, email) in zip(made, new, strict=True):
        changes.created(session, customer_id=customer.id)
        known.owners[email] = customer.id
        known.customers[customer.id] = customer
        run.report.add(row, Outcome.create)


async def _create_one(
    session: AsyncSession, run: _Run, known: _Known, row: Row, email: str, user: User | None
) -> None:
    report = run.report
    mark = hooks_mark(session)
    try:
        async with session.begin_nested():
            created = await service.create_customer(
                session,
                name=row.name,
                emails=[email],
                phones=[row.phone] if row.phone else (),
                created_by=user,
                verified=True,
            )
    except service.ContactTaken:
        drop_hooks_since(session, mark)
        # Created meanwhile (another import, New customer, mail from them): the unique
        # contact refused ours, and theirs is committed now. Their row, then, as any
        # existing customer's.
        owner = (await _owners(session, ContactKind.email, [email])).get(email)
        customer = (await _lock(session, [owner], write=True)).get(owner) if owner else None
        if owner is not None and customer is not None:
            known.owners[email] = owner
            known.customers[owner] = customer
            known.with_phone |= await _with_phone(session, [owner])
            if row.phone is not None and run.phones.get(row.phone) == row.row:
                del run.phones[row.phone]  # claimed for the customer it did not make
            await _fill_in(session, run, known, row, customer)
            return
        if row.phone is not None:
            report.add(
                row,
                Outcome.error,
                code="phone_taken",
                message=f"Row {row.row}: the phone {row.phone} already belongs to another "
                "customer.",
            )
        else:
            # Its owner erased since (the last piece deletes the record): a moment later.
            report.add(
                row,
                Outcome.skip,
                code="being_erased",
                message=f"Row {row.row}: the customer with {email} is being erased, so it "
                "is not imported.",
            )
        return
    known.owners[email] = created.id
    known.customers[created.id] = created
    report.add(row, Outcome.create)


def summary(report: Report) -> list[str]:
    """The report as lines for the command line: the counts, then each problem listed."""
    verbs = (
        ("would create", "would update", "would skip")
        if report.dry_run
        else (
            "created",
            "updated",
            "skipped",
        )
    )
    counted = zip(verbs, (report.created, report.updated, report.skipped), strict=True)
    lines = [
        f"{report.rows} rows: "
        + ", ".join(f"{count} {verb}" for verb, count in counted)
        + f", {report.errors} {'error' if report.errors == 1 else 'errors'}"
        + (" (dry run: nothing was written)" if report.dry_run else "")
    ]
    lines += [problem.message for problem in report.problems]
    if report.problems_left_out:
        lines.append(f"… and {report.problems_left_out} more")
    return lines
