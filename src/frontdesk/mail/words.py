"""Every word of the mail a chat sends its visitor (the transcript, the notice to an address
nobody confirmed), in each language we have, and the visitor's clock for its times
(docs/email.md, "In the visitor's language and time"). English is the reference: a language we
have no words for, or a key missing from one, reads in English. Another language is one more
dictionary here, with the messenger's own (web/messenger/src/i18n.ts) for the same words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

EN = {
    "transcript_subject": "Transcript of your chat with {inbox} [#{number}]",
    "notice_subject": "Your chat with {inbox} [#{number}]",
    "ticket": "Ticket #{number}",
    "thanks_transcript": "Thanks for chatting with us. Here is a copy of the conversation.",
    "missed_transcript": "Sorry we missed you: nobody could answer in time. Our team will "
    "follow up by email as soon as possible. Here is what you wrote.",
    "thanks_notice": "Thanks for chatting with us.",
    "missed_notice": "Sorry we missed you: nobody could answer your chat in time. Our team will "
    "follow up by email as soon as possible.",
    "notice": "This address was given in a chat with {inbox}. We do not email the conversation "
    "to an address until it is confirmed. If you did not chat with us, you can ignore this "
    "email.",
    "outro": "Reply to this email to continue the conversation (ticket #{number}).",
    "portal": "See all your requests: {url}",
    "joined": "{name} joined the chat",
    "left": "{name} left the chat",
    "you": "You",
    "support": "Support",
    "kb": "{n} KB",
    "mb": "{n} MB",
}

FR = {
    "transcript_subject": "Transcription de votre conversation avec {inbox} [#{number}]",
    "notice_subject": "Votre conversation avec {inbox} [#{number}]",
    "ticket": "Demande n° {number}",
    "thanks_transcript": "Merci d'avoir discuté avec nous. Voici une copie de la conversation.",
    "missed_transcript": "Désolés de vous avoir manqué : personne n'a pu répondre à temps. "
    "Notre équipe vous répondra par e-mail dès que possible. Voici ce que vous avez écrit.",
    "thanks_notice": "Merci d'avoir discuté avec nous.",
    "missed_notice": "Désolés de vous avoir manqué : personne n'a pu répondre à votre "
    "conversation à temps. Notre équipe vous répondra par e-mail dès que possible.",
    "notice": "Cette adresse a été donnée dans une conversation avec {inbox}. Nous n'envoyons "
    "pas la conversation à une adresse tant qu'elle n'est pas confirmée. Si vous n'avez pas "
    "discuté avec nous, ignorez cet e-mail.",
    "outro": "Répondez à cet e-mail pour poursuivre la conversation (demande n° {number}).",
    "portal": "Voir toutes vos demandes : {url}",
    "joined": "{name} a rejoint la conversation",
    "left": "{name} a quitté la conversation",
    "you": "Vous",
    "support": "Support",
    "kb": "{n} Ko",
    "mb": "{n} Mo",
}

DICTIONARIES: dict[str, dict[str, str]] = {"en": EN, "fr": FR}
# How each language writes a day: ISO in English (read alike in the US and the UK), the day
# first in French.
DATE_FORMATS = {"en": "%Y-%m-%d", "fr": "%d/%m/%Y"}

# A language tag as browsers give it (BCP 47, "fr", "fr-CA", "zh-Hant-TW"), cut to the longest
# we keep.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")
TAG_LENGTH = 35
ZONE_LENGTH = 64


def clean_locale(value: object) -> str | None:
    """The visitor's language tag as we keep it, or None for anything that is not one: a bad
    value is ignored (the mail falls back to English), it never stops a chat from starting."""
    if not isinstance(value, str) or len(value) > TAG_LENGTH or not _TAG.fullmatch(value):
        return None
    language, _, rest = value.replace("_", "-").partition("-")
    return f"{language.lower()}-{rest}" if rest else language.lower()


def clean_time_zone(value: object) -> str | None:
    """The visitor's IANA time zone (what their browser says), or None when the tz database
    does not know it: ignored like a bad language, the times then read in UTC."""
    if not isinstance(value, str) or len(value) > ZONE_LENGTH or value not in _zones():
        return None
    return value


@cache
def _zones() -> frozenset[str]:
    # Read from the disk once; a name is looked up in it, never opened as a path.
    return frozenset(available_timezones()) | {"UTC"}


@dataclass(frozen=True)
class Wording:
    """The words and the clock of one visitor's mail."""

    language: str = "en"
    zone: str = "UTC"

    def __call__(self, key: str, **values: object) -> str:
        text = DICTIONARIES.get(self.language, EN).get(key) or EN[key]
        return text.format(**values)

    def stamp(self, at: datetime) -> str:
        """A line's time on the visitor's clock, the clock named: "05/12/2026 14:05
        (Europe/Paris)"."""
        local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(ZoneInfo(self.zone))
        day = local.strftime(DATE_FORMATS.get(self.language, DATE_FORMATS["en"]))
        return f"{day} {local:%H:%M} ({self.zone})"

    def size(self, size: int) -> str:
        if size >= 1024 * 1024:
            return self("mb", n=self._number(f"{size / (1024 * 1024):.1f}"))
        return self("kb", n=max(1, round(size / 1024)))

    def _number(self, text: str) -> str:
        return text.replace(".", ",") if self.language == "fr" else text


def wording(locale: str | None, time_zone: str | None) -> Wording:
    """The wording of a chat's mail: its language when we have words for it (English
    otherwise), its zone when the tz database knows it (UTC otherwise)."""
    language = (locale or "en").split("-")[0].lower()
    return Wording(
        language=language if language in DICTIONARIES else "en",
        zone=clean_time_zone(time_zone) or "UTC",
    )


ENGLISH = Wording()
