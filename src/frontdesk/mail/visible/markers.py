"""History markers that are not attributions: "Original Message" separators, forward intros and
Outlook-style header blocks ("From: / Sent: / To: / Subject:") in many languages."""

from __future__ import annotations

import re

from frontdesk.mail.visible.lines import skip_blank

_MAX_HEADER_LINES = 14
_UNDERSCORE_RULE = re.compile(r"^[ \t]*_{5,}[ \t]*$")
_SEPARATOR = re.compile(
    r"^[ \t]*\*?[ \t]*-{2,}[ \t]*(?:"
    r"original message|forwarded message|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"originalnachricht|mensaje original|mensaje reenviado|message d'origine|message original|"
    r"message transféré|messaggio originale|messaggio inoltrato|oorspronkelijk bericht|"
    r"doorgestuurd bericht|originalmeddelande|vidarebefordrat meddelande|opprinnelig melding|"
    r"videresendt melding|oryginalna wiadomość|przekazana wiadomość|исходное сообщение|"
    r"пересылаемое сообщение|mensagem original|mensagem encaminhada|"
    r"\u539f\u59cb\u90ae\u4ef6|\u8f6c\u53d1\u7684\u90ae\u4ef6"
    r")[ \t]*-{2,}[ \t]*\*?[ \t]*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^[ \t]*(?:begin forwarded message|début du message réexpédié|"
    r"anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|"
    r"início da mensagem reencaminhada|begin doorgestuurd bericht)[ \t]*[:\uff1a]",
    re.IGNORECASE,
)

# fmt: off
_HEADER_KEYS: dict[str, str] = {
    **dict.fromkeys(
        ("from", "de", "von", "van", "da", "från", "fra", "od", "от", "kimden", "lähettäjä",
         "feladó", "\u53d1\u4ef6\u4eba", "\u5bc4\u4ef6\u8005", "\u5dee\u51fa\u4eba"),
        "from",
    ),
    **dict.fromkeys(
        ("sent", "date", "envoyé", "gesendet", "datum", "enviado", "fecha", "inviato", "data",
         "verzonden", "skickat", "sendt", "wysłano", "отправлено", "дата", "gönderildi",
         "lähetetty", "\u53d1\u9001\u65f6\u95f4", "\u65e5\u671f"),
        "date",
    ),
    **dict.fromkeys(
        ("to", "à", "a", "an", "para", "aan", "till", "til", "do", "кому", "kime",
         "vastaanottaja", "\u6536\u4ef6\u4eba", "\u5b9b\u5148"),
        "to",
    ),
    **dict.fromkeys(("cc", "bcc", "kopie", "копия"), "cc"),
    **dict.fromkeys(
        ("subject", "objet", "betreff", "asunto", "oggetto", "assunto", "onderwerp", "ämne",
         "emne", "temat", "тема", "konu", "aihe", "\u4e3b\u9898", "\u4e3b\u65e8",
         "\u4ef6\u540d"),
        "subject",
    ),
    **dict.fromkeys(("reply-to", "risposta", "répondre à", "antwort an"), "reply"),
}
# fmt: on
_HEADER_LINE = re.compile(
    r"^[ \t]*\*{0,2}("
    + "|".join(sorted((re.escape(k) for k in _HEADER_KEYS), key=len, reverse=True))
    + r")\*{0,2}[ \t\u00a0]*\*{0,2}[:\uff1a]",
    re.IGNORECASE,
)
_MIN_HEADER_KEYS = 3


def history_marker_end(lines: list[str], i: int) -> int | None:
    """If a separator, forward marker or header block starts at line i, the index after it."""
    line = lines[i]
    if _UNDERSCORE_RULE.match(line):
        return i + 1
    if _SEPARATOR.match(line) or _FORWARD_INTRO.match(line):
        after = skip_blank(lines, i + 1)
        header_end = _header_block_end(lines, after) if after < len(lines) else None
        return header_end if header_end is not None else i + 1
    return _header_block_end(lines, i)


def _header_block_end(lines: list[str], start: int) -> int | None:
    """Outlook-style 'From: / Sent: / To: / Subject:' blocks, in any of the known languages."""
    match = _HEADER_LINE.match(lines[start])
    if match is None:
        return None
    keys: set[str] = set()
    end = start
    limit = min(len(lines), start + _MAX_HEADER_LINES)
    while end < limit and lines[end].strip():
        match = _HEADER_LINE.match(lines[end])
        if match is not None:
            keys.add(_HEADER_KEYS[match.group(1).lower()])
        end += 1
    if "from" in keys and len(keys) >= _MIN_HEADER_KEYS:
        return end
    return None

