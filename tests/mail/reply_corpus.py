"""The multilingual reply corpus (fixtures/multilingual): loading its cases and scoring the
extractor on them, shared by tests/mail/test_visible_corpus.py and bench/reply_accuracy.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from frontdesk.mail.visible import html_to_text, visible_text
from frontdesk.mail.visible.flowed import unflow

CORPUS = Path(__file__).resolve().parent / "fixtures" / "multilingual"
TARGET = 0.98


@dataclass(frozen=True)
class Case:
    """One reply: `#### <language> <client> <kind> [html] [format=flowed] [delsp=yes]`, then the
    sections `#### sent` (optional: the text of our mail it answers), `#### reply` (the body as
    the client sent it) and `#### visible` (what the customer wrote)."""

    language: str
    client: str
    kind: str
    options: frozenset[str]
    reply: str
    visible: str
    sent: str | None
    where: str

    @property
    def category(self) -> str:
        return f"{self.language} × {self.client} × {self.kind}"

    def extract(self) -> str:
        body = self.reply
        if "html" in self.options:
            body = html_to_text(body)
        if "format=flowed" in self.options:
            body = unflow(body, delsp="delsp=yes" in self.options)
        return visible_text(body, sent=[self.sent] if self.sent else ())

    def passes(self) -> bool:
        return _lines(self.extract()) == _lines(self.visible)


def _lines(text: str) -> list[str]:
    """Exact, up to trailing spaces and the blank lines around the text."""
    return [line.rstrip() for line in text.strip("\n").split("\n")]


def load(directory: Path = CORPUS) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.txt")):
        cases += _parse(path)
    return cases


def _parse(path: Path) -> list[Case]:
    cases: list[Case] = []
    head: list[str] | None = None
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    start = 0

    def finish() -> None:
        if head is not None:
            language, client, kind, *options = head
            cases.append(
                Case(
                    language, client, kind, frozenset(options),
                    reply="\n".join(sections["reply"]),
                    visible="\n".join(sections["visible"]),
                    sent="\n".join(sections["sent"]) if "sent" in sections else None,
                    where=f"{path.name}:{start}",
                )
            )  # fmt: skip

    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith("#### "):
            word = line[5:].split()
            if len(word) == 1 and word[0] in ("sent", "reply", "visible"):
                current = sections[word[0]] = []
                continue
            finish()
            head, sections, current, start = word, {}, [], number
            continue
        current.append(line)
    finish()
    return cases


def score(cases: list[Case]) -> tuple[dict[str, list[bool]], list[Case]]:
    """Results per category and the failed cases."""
    results: dict[str, list[bool]] = defaultdict(list)
    failed: list[Case] = []
    for case in cases:
        ok = case.passes()
        results[case.category].append(ok)
        if not ok:
            failed.append(case)
    return results, failed
