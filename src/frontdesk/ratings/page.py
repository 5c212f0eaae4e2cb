"""The small public page a rating email's links open: the answer clicked, sent by the page
itself, then what was recorded, a comment box, and the clear refusals (altered, retired, expired
or final links). Every text from the database or the request is escaped; the only style is one
inline sheet and the only script one line, each allowed by its hash."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from frontdesk.kit.headers import policy, script_hash
from frontdesk.ratings.models import Rating

# Faces drawn in SVG, not emoji: a system without an emoji font would show empty boxes.
_FACE = '<path d="M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z"/><path d="M9 9.5v1"/><path d="M15 9.5v1"/>'
SCORES = (
    ("good", "Good", "M8 14a4.5 4.5 0 0 0 8 0"),
    ("okay", "Okay", "M8.5 15h7"),
    ("bad", "Bad", "M8 16.5a4.5 4.5 0 0 1 8 0"),
)


def _face(mouth: str) -> str:
    return (
        '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        f'{_FACE}<path d="{mouth}"/></svg>'
    )


STYLE = """
:root { color-scheme: light dark; --bg: #f8fafc; --panel: #fff; --text: #0f172a;
  --muted: #475569; --border: #cbd5e1; --accent: #2563eb; --accent-text: #fff; }
@media (prefers-color-scheme: dark) { :root { --bg: #0b1220; --panel: #111827;
  --text: #e5e7eb; --muted: #9ca3af; --border: #374151; --accent: #60a5fa;
  --accent-text: #0b1220; } }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 32rem; margin: 3rem auto; padding: 1.5rem 1.75rem; background: var(--panel);
  border: 1px solid var(--border); border-radius: 12px; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
p { margin: .5rem 0; } .muted { color: var(--muted); font-size: .9rem; }
fieldset { border: 0; padding: 0; margin: 1rem 0; display: flex; gap: .5rem; flex-wrap: wrap; }
legend { font-weight: 600; margin-bottom: .5rem; padding: 0; }
.choice input { position: absolute; opacity: 0; }
.choice > span { display: inline-flex; align-items: center; gap: .4rem; padding: .5rem 1rem;
  border: 1px solid var(--border); border-radius: 999px; cursor: pointer; }
.choice svg { width: 1.2rem; height: 1.2rem; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; }
.choice input:checked + span { background: var(--accent); color: var(--accent-text);
  border-color: var(--accent); font-weight: 600; }
.choice input:focus-visible + span { outline: 3px solid var(--accent); outline-offset: 2px; }
label[for=comment] { display: block; font-weight: 600; margin-top: 1rem; }
textarea { width: 100%; box-sizing: border-box; min-height: 6rem; margin: .4rem 0 1rem;
  padding: .5rem; font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--border); border-radius: 8px; }
button { font: inherit; font-weight: 600; padding: .55rem 1.2rem; border: 0; border-radius: 8px;
  background: var(--accent); color: var(--accent-text); cursor: pointer; }
button:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent);
  outline-offset: 2px; }
.error { color: #b91c1c; font-weight: 600; }
@media (prefers-color-scheme: dark) { .error { color: #fca5a5; } }
"""

# Sends the clicked answer as soon as the page is shown. Mail scanners fetch every link of a
# message (all three answers) without running scripts: they record nothing. A person's browser
# records the click at once; without scripts, the Save button does it.
SUBMIT = "document.getElementById('answer').submit();"

PAGE_POLICY = policy(
    default_src="'none'",
    style_src=script_hash(STYLE),
    script_src=script_hash(SUBMIT),
    form_action="'self'",
    base_uri="'none'",
    frame_ancestors="'none'",
)


def token_page_headers(page_policy: str) -> dict[str, str]:
    """The headers of a page whose link holds a token in its address (this one, a report email's
    unsubscribe page): no other site learns the token, no cache keeps the page."""
    return {
        "Content-Security-Policy": page_policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex, nofollow",
    }


PAGE_HEADERS = token_page_headers(PAGE_POLICY)


def document(title: str, body: str, *, script: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main>{f'<script>{script}</script>' if script else ''}</body></html>"
    )


def message_page(title: str, text: str) -> str:
    return document(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")


@dataclass(frozen=True)
class Asking:
    """What every form of the page shows the same way: where it posts, the question, and the
    inbox and request it is about."""

    action: str
    question: str
    inbox_name: str
    ticket_number: int


def rating_page(asking: Asking, *, rating: Rating, saved: str, error: str | None = None) -> str:
    """What was recorded, to change or comment on while it may change."""
    when = rating.changeable_until.strftime("%d %B %Y, %H:%M UTC")
    body = _form(
        asking,
        heading=saved,
        score=rating.score.value,
        comment=rating.comment,
        error=error,
        note=f"You can change your answer until {when}.",
    )
    return document("Thanks for your feedback", body)


def answer_page(asking: Asking, *, score: str, comment: str, error: str | None = None) -> str:
    """The answer clicked in the email, not recorded yet: the page sends it by itself (unless it
    comes back refused, to be corrected)."""
    if error:
        heading, note, script = "Your answer was not saved.", "Press Save to send it.", ""
    else:
        heading, note, script = (
            "Sending your answer…",
            "If nothing happens, press Save to send your answer.",
            SUBMIT,
        )
    body = _form(asking, heading=heading, score=score, comment=comment, error=error, note=note)
    return document("Your feedback", body, script=script)


def _form(
    asking: Asking, *, heading: str, score: str, comment: str, error: str | None, note: str
) -> str:
    choices = "".join(
        f'<label class="choice"><input type="radio" name="score" value="{value}"'
        f"{' checked' if score == value else ''}>"
        f"<span>{_face(mouth)} {word}</span></label>"
        for value, word, mouth in SCORES
    )
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f'<p class="muted">{escape(asking.inbox_name)} · request #{asking.ticket_number}</p>'
        f"<h1>{escape(heading)}</h1>"
        f'<form id="answer" method="post" action="{escape(asking.action)}">'
        f"<fieldset><legend>{escape(asking.question)}</legend>{choices}</fieldset>"
        '<label for="comment">Anything you would like to add? <span class="muted">(optional)'
        "</span></label>"
        '<textarea id="comment" name="comment" maxlength="2000">'
        f"{escape(comment)}</textarea>"
        f'{problem}<button type="submit">Save</button></form>'
        f'<p class="muted">{escape(note)}</p>'
    )
