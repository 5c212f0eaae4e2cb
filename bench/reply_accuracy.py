"""Accuracy and speed of frontdesk.mail.visible.

Run from the repository root with `PYTHONPATH=src:. python bench/reply_accuracy.py` (add `-v` to
list every category). Prints the exact-match score on our multilingual corpus
(tests/mail/fixtures/multilingual) overall and per language, client and kind, on our per-client
fixtures, and on the held-out corpora converted from other projects' tests (talon,
mail-parser-reply, email_reply_parser, quotequail, email_reply_trimmer: fixtures/<source>/README.md)
per source, language, client and kind, with the misses that are policy differences counted
apart; then how many replies per second visible_text handles, and how long a 1 MB reply takes.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

from tests.mail import reply_corpus

from frontdesk.mail.visible import html_to_text, visible_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "mail" / "fixtures" / "replies"
THROUGHPUT_SECONDS = 2.0


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _client(stem: str) -> str:
    """Fixture names start with their client format: gmail_*, outlook_web_*, html_*, ..."""
    for known in ("outlook_desktop", "outlook_web", "apple_mail", "original_message"):
        if stem.startswith(known):
            return known
    return stem.split("_", 1)[0]


def fixture_accuracy() -> tuple[int, int]:
    per_client: dict[str, list[bool]] = defaultdict(list)
    failures: list[str] = []
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in {".txt", ".html"} or path.name.endswith(".expected.txt"):
            continue
        body = path.read_text(encoding="utf-8")
        got = visible_text(html_to_text(body) if path.suffix == ".html" else body)
        expected = path.with_name(f"{path.stem}.expected.txt").read_text(encoding="utf-8")
        ok = _collapse(got) == _collapse(expected)
        per_client[_client(path.stem)].append(ok)
        if not ok:
            failures.append(path.name)
    print("own fixtures, per client format:")
    for client, results in sorted(per_client.items()):
        print(f"  {client:<18} {sum(results)}/{len(results)}")
    for name in failures:
        print(f"  FAIL {name}")
    total = [ok for results in per_client.values() for ok in results]
    print(f"own fixtures: {sum(total)}/{len(total)} exact")
    return sum(total), len(total)


def _groups(cases: list[reply_corpus.Case], missed: set[str]) -> None:
    for label in ("language", "client", "kind"):
        groups: dict[str, list[bool]] = defaultdict(list)
        for case in cases:
            groups[str(getattr(case, label))].append(case.where not in missed)
        line = ", ".join(f"{name} {sum(r)}/{len(r)}" for name, r in sorted(groups.items()))
        print(f"    per {label}: {line}")


def external_accuracy(*, verbose: bool) -> list[str]:
    """The held-out corpora: written by others, for their own extractors, never tuned on."""
    print("held-out corpora (other projects' tests, converted; see their READMEs):")
    total = exact = policy = 0
    bodies: list[str] = []
    for source, cases in reply_corpus.external().items():
        per_category, failed = reply_corpus.score(cases)
        ok = len(cases) - len(failed)
        total, exact = total + len(cases), exact + ok
        policy += sum(case.differs is not None for case in failed)
        print(f"  {source}: {ok}/{len(cases)} exact ({100 * ok / len(cases):.1f} %)")
        _groups(cases, {case.where for case in failed})
        if verbose:
            for category, results in sorted(per_category.items()):
                print(f"    {category:<50} {sum(results)}/{len(results)}")
        for case in failed:
            why = f" (policy: {case.differs})" if case.differs else ""
            print(f"    FAIL {case.where} {case.ident} {case.category}{why}")
        bodies += [case.reply for case in cases if "html" not in case.options]
    print(f"held-out corpora: {exact}/{total} exact ({100 * exact / total:.1f} %)")
    agreed = total - policy
    print(
        f"  without the {policy} misses where the source's policy differs from ours: "
        f"{exact}/{agreed} ({100 * exact / agreed:.1f} %)"
    )
    return bodies


def multilingual_accuracy(*, verbose: bool) -> list[str]:
    cases = reply_corpus.load()
    per_category, failed = reply_corpus.score(cases)
    exact = len(cases) - len(failed)
    print(f"multilingual corpus: {exact}/{len(cases)} exact ({100 * exact / len(cases):.1f} %)")
    _groups(cases, {case.where for case in failed})
    if verbose:
        for category, results in sorted(per_category.items()):
            print(f"  {category:<50} {sum(results)}/{len(results)}")
    for case in failed:
        print(f"  FAIL {case.where} {case.category}")
    return [case.reply for case in cases if "html" not in case.options]


def big_replies() -> None:
    """1 MB replies must stay linear: a catastrophic regex or a quadratic scan would take seconds
    or minutes here. A long paste over a long quoted thread, with lines that nearly match every
    rule, and shapes built against single rules (a header-key run-on line, phone lines, our own
    first line repeated, attributions run on after text over quotes)."""
    sent = ["Hello Anna, thank you for your message about the invoice."]
    own = "\n".join(
        f"Line {i}: export on 08.11.2016 at 14:26 wrote: to <a@b.example" for i in range(6000)
    )
    quoted = "\n".join(
        f"> On Tue, 8 Nov 2016 at 14:26, Jane <jane@example.com> wrote: {i}" for i in range(6000)
    )
    shapes = {
        "paste over a thread": f"{own}\n\n{quoted}\n",
        "one header-key line": "From: a@b.example " + "To: x Sent: 10:30 " * 55000,
        "phone lines": "\n".join(["0170 1234567"] * 77000) + "\nJane <j@x.example> wrote:\n> x",
        "our first line repeated": "Hi\n" + "Hello Anna, thank you\n" * 45000,
        "wrapped openers": "Hi\n" + "On Tue, 8 Nov 2016 at 14:26 Jane <\n" * 28000,
        "run-in openers over quotes": "Hi\n"
        + "ok On the 5th On Tue On 8 Nov On 2016 at 14:26 Jane wrote:\n> q\n" * 15000,
    }
    for name, body in shapes.items():
        body += "x" * max(0, 1_000_000 - len(body.encode()))
        start = time.perf_counter()
        visible_text(body, sent=sent)
        print(f"1 MB reply, {name}: {1000 * (time.perf_counter() - start):.0f} ms")


def throughput(bodies: list[str]) -> float:
    if not bodies:
        return 0.0
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < THROUGHPUT_SECONDS:
        for body in bodies:
            visible_text(body)
        done += len(bodies)
    rate = done / (time.perf_counter() - start)
    print(f"throughput: {rate:,.0f} replies/second ({len(bodies)} bodies, one core)")
    return rate


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    multilingual = multilingual_accuracy(verbose=verbose)
    fixture_accuracy()
    bodies = external_accuracy(verbose=verbose)
    own = [
        p.read_text(encoding="utf-8")
        for p in sorted(FIXTURES.glob("*.txt"))
        if not p.name.endswith(".expected.txt")
    ]
    throughput(bodies + own + multilingual)
    big_replies()


if __name__ == "__main__":
    main()
