"""The sign-in email of the customer portal, in English or French (docs/portal.md): one link,
how long it works, and what to do when the customer did not ask for it."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from frontdesk.knowledge.links import PATH

LINK_PATH = f"{PATH}/requests/sign-in"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Your sign-in link for {name}",
        "intro": "Someone (we hope you) asked to see your requests at {name}.",
        "button": "Sign in to see your requests",
        "expiry": "The link works once, for {minutes} minutes.",
        "ignore": "If you did not ask for it, ignore this email: nobody can sign in without it.",
    },
    "fr": {
        "subject": "Votre lien de connexion à {name}",
        "intro": "Quelqu'un (vous, nous l'espérons) a demandé à voir vos demandes auprès de "
        "{name}.",
        "button": "Se connecter pour voir vos demandes",
        "expiry": "Le lien fonctionne une fois, pendant {minutes} minutes.",
        "ignore": "Si vous ne l'avez pas demandé, ignorez cet e-mail : personne ne peut se "
        "connecter sans lui.",
    },
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LINK_PATH}/{token}"


def compose(*, language: str, site_name: str, link: str, minutes: int) -> Email:
    words = WORDS.get(language, WORDS["en"])
    subject = words["subject"].format(name=site_name)
    intro = words["intro"].format(name=site_name)
    expiry = words["expiry"].format(minutes=minutes)
    text = f"{intro}\n\n{words['button']}:\n{link}\n\n{expiry}\n{words['ignore']}\n"
    html = (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;'
        'color:#0f172a;max-width:520px">'
        f"<p>{escape(intro)}</p>"
        f'<p style="margin:24px 0"><a href="{escape(link)}" style="background:#2563eb;'
        "color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none;"
        f'font-weight:600">{escape(words["button"])}</a></p>'
        f'<p style="color:#475569;font-size:13px">{escape(expiry)}<br>'
        f"{escape(words['ignore'])}</p></div>"
    )
    return Email(subject, text, html)
