"""Visible-reply extraction: our own per-client fixtures and the public email-replies corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.mail.visible import html_to_text, split_reply, visible_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "replies"
# A public corpus kept with the tests, with its licence (fixtures/email-replies/README.md).
CORPUS = Path(__file__).resolve().parent / "fixtures" / "email-replies"
CORPUS_TARGET = 71
CORPUS_SIZE = 71


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _fixture_bodies() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in {".txt", ".html"} and
                  not p.name.endswith(".expected.txt"))  # fmt: skip


def _visible_of(path: Path) -> str:
    body = path.read_text(encoding="utf-8")
    return visible_text(html_to_text(body) if path.suffix == ".html" else body)


@pytest.mark.parametrize("body", _fixture_bodies(), ids=lambda p: p.stem)
def test_fixture_reply(body: Path) -> None:
    expected = body.with_name(f"{body.stem}.expected.txt").read_text(encoding="utf-8")
    assert _collapse(_visible_of(body)) == _collapse(expected)


def test_fixture_corpus_covers_every_client() -> None:
    stems = [p.stem for p in _fixture_bodies()]
    for client in (
        "gmail", "outlook_desktop", "outlook_web", "apple_mail", "thunderbird", "yahoo", "ios",
        "android", "original_message", "french", "german", "spanish", "html",
    ):  # fmt: skip
        assert sum(stem.startswith(client) for stem in stems) >= 3, client


def test_email_replies_corpus_score() -> None:
    bodies = sorted((CORPUS / "emails").glob("*.txt"))
    exact = sum(
        _collapse(visible_text(p.read_text(encoding="utf-8")))
        == _collapse((CORPUS / "trimmed" / p.name).read_text(encoding="utf-8"))
        for p in bodies
    )
    print(f"email-replies corpus: {exact}/{len(bodies)} exact")
    assert len(bodies) == CORPUS_SIZE
    assert exact >= CORPUS_TARGET


def test_split_reply_returns_the_folded_history() -> None:
    body = (
        "Works now.\r\n\r\nOn Mon, 5 Jan 2026 at 10:02, Ann <ann@example.com> wrote:\r\n"
        "> Try again?\r\n"
    )
    visible, rest = split_reply(body)
    assert visible == "Works now."
    assert rest == "On Mon, 5 Jan 2026 at 10:02, Ann <ann@example.com> wrote:\n> Try again?"


def test_text_without_history_is_kept_whole_but_trimmed() -> None:
    body = "\n\n  Indented first line\n\nSecond paragraph\n\n\n"
    assert visible_text(body) == "  Indented first line\n\nSecond paragraph"
    assert split_reply(body)[1] == ""


def test_empty_body() -> None:
    assert split_reply("") == ("", "")


@pytest.mark.parametrize(
    "body",
    [
        "On this point I wrote a long note.\n\nShe wrote: please call me.\n\nThanks",
        "On 5 May I wrote to your colleague about the bug.\nStill no answer.",
        "Steps:\n1. Open Settings and click Export:\n2. Pick CSV:\n3. It fails at 10:30:",
        "Here are the numbers\n\n| plan | seats |\n| pro | 12 |",
        "From: my experience this fails.\nTo: be honest, I am tired.",
        "The file was sent from my laptop yesterday.\nThis is not a ---------- delimiter.",
        "Hi,\n\nSent with the contract attached, as promised.\nPlease sign page 2.\n\nBo",
    ],
    ids=["wrote", "on-date", "colons", "table", "header-words", "sent-inline", "sent-with"],
)
def test_plain_text_is_not_mistaken_for_history(body: str) -> None:
    assert visible_text(body) == body


def test_closing_and_name_are_part_of_the_message() -> None:
    body = "Thanks for the help.\n\nBest regards,\nAnna Svensson"
    assert visible_text(body) == body


def test_html_to_text_structure() -> None:
    html = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<script>alert(1)</script><p>Hello&nbsp;<a href='https://x.example'>there</a> &amp; hi</p>"
        "<ul><li>one</li><li>two</li></ul><div>line<br>break</div></body></html>"
    )
    assert html_to_text(html) == "Hello there & hi\n\n- one\n- two\n\nline\nbreak"


def test_html_to_text_marks_quotes() -> None:
    html = "<div>Mine</div><blockquote type='cite'><div>Theirs</div></blockquote>"
    text = html_to_text(html)
    assert "> Theirs" in text
    assert visible_text(text) == "Mine"
