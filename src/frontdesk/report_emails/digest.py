"""The words of a report email (subject, plain text, HTML) in the user's language, English or
French as the desk speaks them: each headline figure, the change from the period before
("▲ 12%"), the agents' table of the period (one row per agent, its figures side by side and
wrapping: readable on a phone), a link to the Reports page with the same filter and period, and
the unsubscribe link. Names people wrote (inboxes, labels, agents) are escaped in the HTML and
kept on one line in the subject and the agents' lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from frontdesk.report_emails.figures import AgentLine, Agents, Figure
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
    "agents": "Agents",
    "agent_chats": "Chats",
    "agent_replied": "Tickets replied",
    "agent_closed": "Tickets closed",
    "agent_first_response": "First response (median)",
    "agent_csat": "CSAT",
    "agent_online": "Time online",
    "agent_sla": "SLA breaches",
    "ratings_one": "{n} rating",
    "ratings_many": "{n} ratings",
    "no_agents": "Nothing in this period.",
    "more_one": "and {n} more agent on the Reports page",
    "more_many": "and {n} more agents on the Reports page",
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
    "agents": "Agents",
    "agent_chats": "Chats",
    "agent_replied": "Tickets répondus",
    "agent_closed": "Tickets fermés",
    "agent_first_response": "Première réponse (médiane)",
    "agent_csat": "Satisfaction",
    "agent_online": "Temps en ligne",
    "agent_sla": "Dépassements SLA",
    "ratings_one": "{n} note",
    "ratings_many": "{n} notes",
    "no_agents": "Rien sur cette période.",
    "more_one": "et {n} autre agent sur la page Rapports",
    "more_many": "et {n} autres agents sur la page Rapports",
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
        return _share(figure.value, language)
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


def _plural(words: dict[str, str], key: str, n: int, language: str) -> str:
    # French puts 0 and 1 in the singular, English only 1.
    one = n == 1 or (language == "fr" and n == 0)
    return words[f"{key}_{'one' if one else 'many'}"].format(n=_number(n, language))


def _share(value: float, language: str) -> str:
    share = round(value * 100)
    return f"{share}\u202f%" if language == "fr" else f"{share}%"


def agent_figures(line: AgentLine, language: str) -> list[tuple[str, str]]:
    """An agent's figures as the page's agents table shows them: (column, value)."""
    words = DICTIONARIES[language]
    csat = "—"
    if line.csat is not None:
        ratings = _plural(words, "ratings", line.ratings, language)
        csat = f"{_share(line.csat, language)} ({ratings})"
    return [
        (words["agent_chats"], _number(line.chats, language)),
        (words["agent_replied"], _number(line.tickets_replied, language)),
        (words["agent_closed"], _number(line.tickets_closed, language)),
        (
            words["agent_first_response"],
            "—" if line.first_response is None else duration(line.first_response),
        ),
        (words["agent_csat"], csat),
        (words["agent_online"], duration(line.online_seconds)),
        (words["agent_sla"], _number(line.sla_breaches, language)),
    ]


def agents_text(agents: Agents, language: str, link: str) -> list[str]:
    """The agents' table in the plain text: a line per agent."""
    words = DICTIONARIES[language]
    lines = [words["agents"]]
    for line in agents.lines:
        figures = " · ".join(f"{column} {value}" for column, value in agent_figures(line, language))
        lines.append(f"{_one_line(line.name)} — {figures}")
    if not agents.lines:
        lines.append(words["no_agents"])
    if agents.more:
        lines.append(f"{_plural(words, 'more', agents.more, language)}: {link}")
    return lines


def agents_html(agents: Agents, language: str, link: str) -> str:
    """The agents' table in the HTML: two columns, the name and the figures, which wrap as
    whole "column value" pairs (a phone's width holds it; eight columns would not)."""
    words = DICTIONARIES[language]
    rows = []
    for line in agents.lines:
        figures = " · ".join(
            f'<span style="white-space:nowrap">{escape(column)} <b>{escape(value)}</b></span>'
            for column, value in agent_figures(line, language)
        )
        rows.append(
            '<tr><th scope="row" style="text-align:left;vertical-align:top;font-weight:600;'
            f'padding:6px 12px 6px 0;border-bottom:1px solid #e2e8f0">{escape(line.name)}</th>'
            '<td style="padding:6px 0;font-size:14px;color:#334155;'
            f'border-bottom:1px solid #e2e8f0">{figures}</td></tr>'
        )
    parts = [f'<h2 style="font-size:16px;margin:20px 0 4px">{escape(words["agents"])}</h2>']
    if rows:
        parts.append(
            f'<table style="border-collapse:collapse;width:100%;margin:4px 0 12px">'
            f"{''.join(rows)}</table>"
        )
    else:
        parts.append(f'<p style="color:#64748b">{escape(words["no_agents"])}</p>')
    if agents.more:
        more = _plural(words, "more", agents.more, language)
        parts.append(f'<p><a href="{escape(link)}">{escape(more)}</a></p>')
    return "".join(parts)


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
    agents: Agents,
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
            *agents_text(agents, language, link),
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
        f"{agents_html(agents, language, link)}"
        f'<p><a href="{escape(link)}" style="display:inline-block;padding:10px 18px;'
        "border-radius:6px;background:#2563eb;color:#fff;text-decoration:none;"
        f'font-weight:600">{escape(words["open"])}</a></p>'
        f'<hr><p style="color:#64748b;font-size:13px">{escape(words["why"])} '
        f'<a href="{escape(unsubscribe)}">{escape(words["unsubscribe"])}</a></p></div>'
    )
    return Email(subject=subject, text=text, html=html, unsubscribe=unsubscribe)
