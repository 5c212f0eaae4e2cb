"""Accuracy and speed of frontdesk.mail.visible.

Run from the repository root with `PYTHONPATH=src python bench/reply_accuracy.py`. Prints the
exact-match score on our own fixtures (per client format) and on the public email-replies corpus (tests/mail/fixtures/email-replies),
then how many replies per second visible_text handles.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from frontdesk.mail.visible import html_to_text, visible_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "mail" / "fixtures" / "replies"
CORPUS = ROOT / "tests" / "mail" / "fixtures" / "email-replies"
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


def corpus_accuracy() -> list[str]:
    bodies: list[str] = []
    if not (CORPUS / "emails").is_dir():
        print(f"email-replies corpus: not found at {CORPUS}")
        return bodies
    exact = 0
    failures: list[str] = []
    for path in sorted((CORPUS / "emails").glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        bodies.append(body)
        expected = (CORPUS / "trimmed" / path.name).read_text(encoding="utf-8")
        if _collapse(visible_text(body)) == _collapse(expected):
            exact += 1
        else:
            failures.append(path.name)
    print(f"email-replies corpus: {exact}/{len(bodies)} exact")
    for name in failures:
        print(f"  FAIL {name}")
    return bodies


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
    fixture_accuracy()
    bodies = corpus_accuracy()
    own = [
        p.read_text(encoding="utf-8")
        for p in sorted(FIXTURES.glob("*.txt"))
        if not p.name.endswith(".expected.txt")
    ]
    throughput(bodies + own)


if __name__ == "__main__":
    main()
