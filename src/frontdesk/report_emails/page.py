"""The public page an email's unsubscribe link opens: a GET only asks (mail scanners fetch every
link of a message), its form's POST removes the subscription. No script; the rating page's
style sheet, allowed by its hash; every text from the database escaped."""

from __future__ import annotations

from html import escape

from frontdesk.kit.headers import policy, script_hash
from frontdesk.ratings.page import STYLE, document, message_page, token_page_headers

__all__ = ["PAGE_HEADERS", "confirm_page", "message_page"]

PAGE_POLICY = policy(
    default_src="'none'",
    style_src=script_hash(STYLE),
    form_action="'self'",
    base_uri="'none'",
    frame_ancestors="'none'",
)
PAGE_HEADERS = token_page_headers(PAGE_POLICY)


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
    return document("Unsubscribe from a report email", body)
