"""The public page an email's unsubscribe link opens: a GET only asks (mail scanners fetch every
link of a message), its form's POST removes the subscription. No script; the rating page's
style sheet, allowed by its hash; every text from the database escaped."""

from __future__ import annotations

from html import escape

from frontdesk.kit.headers import policy, script_hash
from frontdesk.ratings.page import STYLE

PAGE_POLICY = policy(
    default_src="'none'",
    style_src=script_hash(STYLE),
    form_action="'self'",
    base_uri="'none'",
    frame_ancestors="'none'",
)
# The link's token is in the address: no other site learns it, no cache keeps the page.
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def message_page(title: str, text: str) -> str:
    return _document(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")


def confirm_page(*, action: str, report: str, email: str) -> str:
    """Asks before removing: the report's name (period kind and filter) and the address."""
    body = (
        "<h1>Unsubscribe from this report?</h1>"
        f"<p>{escape(email)} will no longer get the <strong>{escape(report)}</strong> by "
        "email.</p>"
        f'<form method="post" action="{escape(action)}">'
        '<button type="submit">Unsubscribe</button></form>'
        '<p class="muted">Your other report emails are not changed.</p>'
    )
    return _document("Unsubscribe from a report email", body)
