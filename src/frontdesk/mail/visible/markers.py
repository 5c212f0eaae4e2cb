"""History markers that are not attributions: "Original Message" separators, forward intros and
Outlook-style header blocks ("From: / Sent: / To: / Subject:") in many languages."""

from __future__ import annotations

import re

from frontdesk.mail.visible.lines import skip_blank

_MAX_HEADER_LINES = 14
_UNDERSCORE_RULE = re.compile(r"^[ \t]*_{5,}[ \t]*$")
# The words between the dashes of an "-----Original Message-----" line, per language and client.
_SEPARATOR_WORDS = (
    "original message|forwarded message|reply message|antwort nachricht|"
    "ursprüngliche nachricht|weitergeleitete nachricht|"
    "originalnachricht|original-nachricht|mensaje original|mensaje reenviado|"
    "message d'origine|message original|message transféré|messaggio originale|"
    "messaggio inoltrato|oorspronkelijk bericht|doorgestuurd bericht|originalmeddelande|"
    "ursprungligt meddelande|vidarebefordrat meddelande|opprinnelig melding|"
    "videresendt melding|oprindelig besked|oprindelig meddelelse|videresendt besked|"
    "mail original|mail d'origine|alkuperäinen viesti|välitetty viesti|"
    "oryginalna wiadomość|wiadomość oryginalna|"
    "przekazana wiadomość|původní zpráva|původní e-mail|přeposlaná zpráva|pôvodná správa|"
    "исходное сообщение|пересылаемое сообщение|оригинальное сообщение|"
    "оригінальне повідомлення|пересланий лист|αρχικό μήνυμα|προωθημένο μήνυμα|"
    "الرسالة الأصلية|הודעה מקורית|הודעה שהועברה|özgün ileti|orijinal mesaj|iletilen ileti|"
    "eredeti üzenet|továbbított üzenet|missatge original|missatge reenviat|mesaj original|"
    "mesaj redirecționat|mensagem original|mensagem encaminhada|元のメッセージ|転送メッセージ|"
    "원본 메시지|전달된 메시지|原始邮件|原始郵件|转发的邮件|轉寄的郵件"
)
# Dashes as typed, or as Proton Mail writes them (U+2010); spaces may be no-break (QQ Mail).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
_SEPARATOR = re.compile(
    rf"^[ \t\u00a0]*\*?[ \t\u00a0]*[{_DASHES}]{{2,}}[ \t\u00a0]*(?:{_SEPARATOR_WORDS})"
    rf"[ \t\u00a0]*[{_DASHES}]{{2,}}[ \t\u00a0]*\*?[ \t\u00a0]*$",
    re.IGNORECASE,
)
# French webmails (Orange, SFR) open the quoted header block with "Message du <date>".
_BLOCK_INTRO = re.compile(
    r"^[ \t]*message du[ \t]*:?[ \t]*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b", re.IGNORECASE
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
        ("from", "de", "von", "van", "da", "från", "fra", "od", "от", "від", "kimden",
         "lähettäjä", "feladó", "de la", "από", "من", "מאת", "afsender", "avsändare",
         "差出人", "发件人", "寄件者", "보낸 사람"),
        "from",
    ),
    **dict.fromkeys(
        ("sent", "date", "envoyé", "gesendet", "datum", "enviado", "enviada", "enviada em",
         "enviado em", "enviat", "enviat el", "fecha", "inviato", "data", "verzonden", "skickat",
         "sendt", "wysłano", "wysłane", "отправлено", "дата", "надіслано", "odesláno",
         "αποστολή", "ημερομηνία", "تم الإرسال", "التاريخ", "gönderildi", "tarih", "lähetetty",
         "päivämäärä", "elküldve", "dátum", "trimis", "נשלח", "תאריך", "送信日時", "日付",
         "发送时间", "日期", "寄件日期", "보낸 날짜", "날짜"),
        "date",
    ),
    **dict.fromkeys(
        ("to", "à", "a", "an", "para", "per a", "aan", "till", "til", "do", "komu", "кому",
         "προς", "إلى", "kime", "címzett", "către", "אל", "vastaanottaja", "宛先", "收件人",
         "받는 사람"),
        "to",
    ),
    **dict.fromkeys(
        ("cc", "bcc", "kopie", "копия", "копія", "copie à", "kopio", "κοιν", "نسخة", "másolat",
         "עותק", "抄送", "副本", "참조"),
        "cc",
    ),
    **dict.fromkeys(
        ("subject", "objet", "sujet", "betreff", "asunto", "oggetto", "assunto", "assumpte",
         "onderwerp", "ämne", "emne", "temat", "předmět", "тема", "θέμα", "الموضوع", "konu",
         "aihe", "tárgy", "subiect", "נושא", "件名", "主题", "主旨", "제목"),
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
# Outlook on phones and some webmails run the whole block together on one line.
_INLINE_HEADER_KEY = re.compile(
    r"(?<!\S)("
    + "|".join(sorted((re.escape(k) for k in _HEADER_KEYS), key=len, reverse=True))
    + r")[ \t\u00a0]*[:\uff1a]",
    re.IGNORECASE,
)
_MIN_HEADER_KEYS = 3
# A run-together block is a few hundred characters; a longer line is only read that far.
_MAX_ONE_LINE_BLOCK = 1000
# The longest key, with the decoration and spacing _HEADER_LINE allows around it.
_HEADER_KEY_REACH = max(map(len, _HEADER_KEYS)) + 12
_TIME = re.compile(r"(?<!\d)\d{1,2}[:.]\d{2}(?!\d)")
_RFC_DATE = re.compile(r"\b\d{1,2}\s+[^\W\d_]{3,}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+[+-]\d{4}\b")


def history_marker_end(lines: list[str], i: int) -> int | None:
    """If a separator, forward marker or header block starts at line i, the index after it."""
    line = lines[i]
    if _UNDERSCORE_RULE.match(line):
        if i + 1 < len(lines) and not lines[i + 1].strip():
            # A rule standing alone between blank lines is the customer's own separator
            # between paragraphs, unless a header block follows it (Outlook).
            after = skip_blank(lines, i + 1)
            return _header_block_end(lines, after) if after < len(lines) else None
        return i + 1
    if (_has_dashes(line) and _SEPARATOR.match(line)) or _FORWARD_INTRO.match(line):
        after = skip_blank(lines, i + 1)
        header_end = _header_block_end(lines, after) if after < len(lines) else None
        return header_end if header_end is not None else i + 1
    if _BLOCK_INTRO.match(line):
        # Only with its header block: alone, "Message du 12/03 reçu" is a sentence.
        return _header_block_end(lines, i + 1) if i + 1 < len(lines) else None
    return _header_block_end(lines, i)


def _header_block_end(lines: list[str], start: int) -> int | None:
    """Outlook-style 'From: / Sent: / To: / Subject:' blocks, in any of the known languages."""
    match = _header_line(lines[start])
    if match is None:
        return None
    if _one_line_block(lines[start]):
        return start + 1
    first_key = match.group(1).lower()
    keys: set[str] = set()
    end = start
    limit = min(len(lines), start + _MAX_HEADER_LINES)
    while end < limit and lines[end].strip():
        match = _header_line(lines[end])
        if match is not None:
            keys.add(_HEADER_KEYS[match.group(1).lower()])
        end += 1
    if "from" in keys and len(keys) >= _MIN_HEADER_KEYS:
        return end
    if _HEADER_KEYS[first_key] == "date" and _mail_headers(lines[start:end]):
        return end
    return None


def _mail_headers(block: list[str]) -> bool:
    """A block without its sender line ("Date: Wed, 16 May 2012 00:15:02 -0600 / To: a@b") is
    still one when it opens with a date written as mail headers write it (RFC 5322) and every
    line is a header with an address among them: a customer writing "Date: Tuesday" is not."""
    return (
        len(block) >= 2
        and _RFC_DATE.search(block[0]) is not None
        and all(_header_line(line) for line in block)
        and any("@" in line for line in block[1:])
    )


def _has_dashes(line: str) -> bool:
    return "--" in line or "\u2010\u2010" in line or "\u2014\u2014" in line


def _header_line(line: str) -> re.Match[str] | None:
    # The key list is long and most lines have no colon near their start: skip those cheaply.
    head = line.lstrip(" \t")[:_HEADER_KEY_REACH]
    if ":" not in head and "\uff1a" not in head:
        return None
    return _HEADER_LINE.match(line)


def _one_line_block(line: str) -> bool:
    """ "From: a Sent: b To: c Subject: d" on one line: a sender and two more header names, and
    an address or a time, which a sentence using the same words ("From: my side...") lacks."""
    line = line[:_MAX_ONE_LINE_BLOCK]
    if "@" not in line and _TIME.search(line) is None:
        return False
    keys = {_HEADER_KEYS[m.group(1).lower()] for m in _INLINE_HEADER_KEY.finditer(line)}
    return "from" in keys and len(keys) >= _MIN_HEADER_KEYS
