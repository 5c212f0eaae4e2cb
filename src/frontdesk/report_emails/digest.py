"""The words of a report email (subject, plain text, HTML) in the user's language, English or
French as the desk speaks them: each headline figure, the change from the period before
("▲ 12%"), a link to the Reports page with the same filter and period, and the unsubscribe
link. Names people wrote (inboxes, labels, agents) are escaped in the HTML and kept on one line
in the subject."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from frontdesk.report_emails.figures import Figure
from frontdesk.report_emails.schedule import Period

EN = {
    "subject": "Support report: {period} ({filters})",
    "day": "{day}",
    "week": "{since} to {until}",
    "everything": "all conversations",
    "inbox": "inbox {name}",
    "channel": "channel {name}",
    "agent": "agent {name}",
    "label": "label {name}",
    "channel_chat": "chat",
    "channel_email": "email",
    "channel_web": "web",
    "intro_daily": "Your daily support report for {period} ({filters}), compared with the day "
    "before.",
    "intro_weekly": "Your weekly support report for {period} ({filters}), compared with the "
    "week before.",
    "conversations": "Conversations",
    "first_response": "First response time (median)",
    "response": "Response time (median)",
    "resolution": "Resolution time (median)",
    "resolved": "Conversations resolved",
    "chat_wait": "Chat wait time (median)",
    "missed_chats": "Missed chats",
    "sla_breaches": "SLA breaches",
    "csat": "Satisfaction (good ratings)",
    "before": "before: {value}",
    "open": "Open the report",
    "why": "You get this email because you subscribed to this report on the Reports page.",
    "unsubscribe": "Unsubscribe from this report",
}

FR = {
    "subject": "Rapport du support : {period} ({filters})",
    "day": "{day}",
    "week": "du {since} au {until}",
    "everything": "toutes les conversations",
    "inbox": "boîte {name}",
    "channel": "canal {name}",
    "agent": "agent {name}",
    "label": "étiquette {name}",
    "channel_chat": "chat",
    "channel_email": "e-mail",
    "channel_web": "web",
    "intro_daily": "Votre rapport quotidien du support pour le {period} ({filters}), comparé à "
    "la veille.",
    "intro_weekly": "Votre rapport hebdomadaire du support, {period} ({filters}), comparé à la "
    "semaine précédente.",
    "conversations": "Conversations",
    "first_response": "Délai de première réponse (médiane)",
    "response": "Délai de réponse (médiane)",
    "resolution": "Délai de résolution (médiane)",
    "resolved": "Conversations résolues",
    "chat_wait": "Attente en chat (médiane)",
    "missed_chats": "Chats manqués",
    "sla_breaches": "Dépassements de SLA",
    "csat": "Satisfaction (bonnes notes)",
    "before": "avant : {value}",
    "open": "Ouvrir le rapport",
    "why": "Vous recevez cet e-mail car vous vous êtes abonné à ce rapport sur la page Rapports.",
    "unsubscribe": "Se désabonner de ce rapport",
}

DICTIONARIES = {"en": EN, "fr": FR}
DATE_FORMATS = {"en": "%Y-%m-%d", "fr": "%d/%m/%Y"}
UP, DOWN, SAME = "▲", "▼", "="
GOOD_COLOUR, BAD_COLOUR, NEUTRAL_COLOUR = "#15803d", "#b91c1c", "#475569"


@dataclass(frozen=True)
class Names:
    """What the filter names, as people wrote it (None: not filtered on it)."""

    inbox: str | None = None
    channel: str | None = None
    agent: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    unsubscribe: str


def language_of(language: str) -> str:
    return language if language in DICTIONARIES else "en"


def _one_line(text: str) -> str:
    """A name in a subject: no line breaks or other control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _day(day: date, language: str) -> str:
    return day.strftime(DATE_FORMATS[language])


def period_words(period: Period, language: str) -> str:
    words = DICTIONARIES[language]
    if period.since == period.until:
        return words["day"].format(day=_day(period.since, language))
    return words["week"].format(
        since=_day(period.since, language), until=_day(period.until, language)
    )


def filter_words(names: Names, language: str) -> str:
    words = DICTIONARIES[language]
    parts = [
        words[key].format(name=_one_line(value))
        for key, value in (
            ("inbox", names.inbox),
            ("channel", words[f"channel_{names.channel}"] if names.channel else None),
            ("agent", names.agent),
            ("label", names.label),
        )
        if value is not None
    ]
    return ", ".join(parts) or words["everything"]


def _number(value: float, language: str) -> str:
    text = f"{round(value):,}"
    return text.replace(",", "\u202f") if language == "fr" else text


def duration(seconds: float) -> str:
    """As the desk writes it: seconds under a minute, minutes under an hour, then hours."""
    if seconds < 60:
        return f"{max(0, round(seconds))} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def value_words(figure: Figure, language: str) -> str:
    if figure.value is None:
        return "—"
    if figure.kind == "duration":
        return duration(figure.value)
    if figure.kind == "share":
        share = round(figure.value * 100)
        return f"{share}\u202f%" if language == "fr" else f"{share}%"
    return _number(figure.value, language)


def change(now: Figure, then: Figure, language: str) -> tuple[str, str]:
    """The change from the period before, "▲ 12%", and its colour (green when better). "—"
    when there is nothing to compare (no value, or none before)."""
    if now.value is None or then.value is None:
        return "—", NEUTRAL_COLOUR
    if now.value == then.value:
        return SAME, NEUTRAL_COLOUR
    if then.value == 0:
        return "—", NEUTRAL_COLOUR
    percent = round(abs(now.value - then.value) / abs(then.value) * 100)
    rising = now.value > then.value
    arrow = UP if rising else DOWN
    text = f"{arrow} {percent}\u202f%" if language == "fr" else f"{arrow} {percent}%"
    if now.higher_is_better is None:
        return text, NEUTRAL_COLOUR
    return text, GOOD_COLOUR if rising == now.higher_is_better else BAD_COLOUR


def report_link(public_url: str, period: Period, params: dict[str, str]) -> str:
    """The Reports page with the email's filter and period."""
    query = {"since": period.since.isoformat(), "until": period.until.isoformat()} | params
    return f"{public_url.rstrip('/')}/reports?{urlencode(query)}"


def compose(
    *,
    language: str,
    daily: bool,
    period: Period,
    names: Names,
    figures: Sequence[Figure],
    previous: Sequence[Figure],
    link: str,
    unsubscribe: str,
) -> Email:
    language = language_of(language)
    words = DICTIONARIES[language]
    when = period_words(period, language)
    filters = filter_words(names, language)
    subject = words["subject"].format(period=when, filters=filters)
    intro = words["intro_daily" if daily else "intro_weekly"].format(period=when, filters=filters)
    rows = []
    lines = []
    for now, then in zip(figures, previous, strict=True):
        label = words[now.name]
        value = value_words(now, language)
        before = words["before"].format(value=value_words(then, language))
        moved, colour = change(now, then, language)
        lines.append(f"{label}: {value}  {moved}  ({before})")
        rows.append(
            '<tr><th scope="row" style="text-align:left;font-weight:500;padding:6px 12px 6px 0;'
            f'border-bottom:1px solid #e2e8f0">{escape(label)}</th>'
            '<td style="text-align:right;font-weight:650;padding:6px 12px;'
            f'border-bottom:1px solid #e2e8f0">{escape(value)}</td>'
            f'<td style="text-align:right;color:{colour};padding:6px 12px;white-space:nowrap;'
            f'border-bottom:1px solid #e2e8f0">{escape(moved)}</td>'
            '<td style="text-align:right;color:#64748b;font-size:13px;padding:6px 0 6px 12px;'
            f'border-bottom:1px solid #e2e8f0">{escape(before)}</td></tr>'
        )
    text = "\n".join(
        [
            intro,
            "",
            *lines,
            "",
            f"{words['open']}: {link}",
            "",
            "-- ",
            words["why"],
            f"{words['unsubscribe']}: {unsubscribe}",
        ]
    )
    html = (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a;'
        'max-width:40rem">'
        f'<h1 style="font-size:18px">{escape(subject)}</h1>'
        f"<p>{escape(intro)}</p>"
        f'<table style="border-collapse:collapse;margin:12px 0">{"".join(rows)}</table>'
        f'<p><a href="{escape(link)}" style="display:inline-block;padding:10px 18px;'
        "border-radius:6px;background:#2563eb;color:#fff;text-decoration:none;"
        f'font-weight:600">{escape(words["open"])}</a></p>'
        f'<hr><p style="color:#64748b;font-size:13px">{escape(words["why"])} '
        f'<a href="{escape(unsubscribe)}">{escape(words["unsubscribe"])}</a></p></div>'
    )
    return Email(subject=subject, text=text, html=html, unsubscribe=unsubscribe)
