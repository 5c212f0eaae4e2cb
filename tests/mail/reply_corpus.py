"""The reply corpora in our case format: our own multilingual one (fixtures/multilingual) and the
held-out ones converted from openly licensed projects' tests (fixtures/<source>, each with its
licence and a README). Loading their cases and scoring the extractor on them, shared by
tests/mail/test_visible_corpus.py, tests/mail/test_visible_external.py and
bench/reply_accuracy.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from frontdesk.mail.visible import html_to_text, visible_text
from frontdesk.mail.visible.flowed import unflow

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "multilingual"
TARGET = 0.98
# Held-out corpora, written by others for their own extractors (see each README), in our case
# format; and discourse/email_reply_trimmer's, kept in its own layout (emails/, trimmed/).
EXTERNAL = (
    "talon", "mail-parser-reply", "email-reply-parser", "crisp-email-reply-parser",
    "elixir-email-reply-parser", "quotequail",
)  # fmt: skip
TRIMMER = FIXTURES / "email-replies"
_TRIMMER_LANGUAGES = {
    "chinese": "zh", "dutch": "nl", "french": "fr", "german": "de", "italian": "it",
    "norwegian": "nb", "polish": "pl", "portuguese": "pt", "russian": "ru", "spanish": "es",
    "swedish": "sv", "ukrainian": "uk",
}  # fmt: skip
_TRIMMER_KINDS = (
    ("embedded_email", "quote-header"), ("email_headers", "header-block"),
    ("forwarded", "forward"), ("signature", "signature"), ("delimiter", "separator"),
    ("quote_at_end", "quote-header"), ("quote", "inline"), ("inline_images", "quote-header"),
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One reply: `#### <language> <client> <kind> [html] [format=flowed] [delsp=yes]
    [collapsed] [id=<name in its source>] [differs=<policy>]`, then the sections `#### sent`
    (optional: the text of our mail it answers), `#### reply` (the body as the client sent it)
    and `#### visible` (what the customer wrote). `collapsed`: compared with runs of whitespace
    collapsed, for sources that compared that way themselves (the line structure of rendered
    HTML is theirs to choose)."""

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

    @property
    def differs(self) -> str | None:
        """Why the source's expected text follows another policy than ours (`differs=<why>`):
        the expectation stays the source's, and the case counts as a miss while it fails."""
        for option in self.options:
            if option.startswith("differs="):
                return option[8:]
        return None

    @property
    def ident(self) -> str:
        """The case's name in its source, else where it is in our file."""
        for option in self.options:
            if option.startswith("id="):
                return option[3:]
        return self.where

    def passes(self) -> bool:
        if "collapsed" in self.options:
            return _collapsed(self.extract()) == _collapsed(self.visible)
        return _lines(self.extract()) == _lines(self.visible)


def _lines(text: str) -> list[str]:
    """Exact, up to trailing spaces and the blank lines around the text."""
    return [line.rstrip() for line in text.strip("\n").split("\n")]


def _collapsed(text: str) -> str:
    return " ".join(text.split())


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
                    where=f"{path.parent.name}/{path.name}:{start}",
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


def external() -> dict[str, list[Case]]:
    """Every held-out corpus by source, email_reply_trimmer's included."""
    corpora = {source: load(FIXTURES / source) for source in EXTERNAL}
    corpora["email-reply-trimmer"] = load_trimmer()
    return corpora


def load_trimmer(directory: Path = TRIMMER) -> list[Case]:
    """email_reply_trimmer's pairs (emails/NAME.txt, trimmed/NAME.txt) as cases. Its own tests
    compare after collapsing whitespace, and so do we; language and kind come from the names
    its authors gave the files."""
    cases: list[Case] = []
    for path in sorted((directory / "emails").glob("*.txt")):
        name = path.stem
        language = next((v for k, v in _TRIMMER_LANGUAGES.items() if k in name), "en")
        kind = next((v for k, v in _TRIMMER_KINDS if k in name), "plain")
        cases.append(
            Case(
                language, "unknown", kind, frozenset({"collapsed", f"id={name}"}),
                reply=path.read_text(encoding="utf-8"),
                visible=(directory / "trimmed" / path.name).read_text(encoding="utf-8"),
                sent=None,
                where=f"{directory.name}/emails/{path.name}",
            )
        )  # fmt: skip
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
