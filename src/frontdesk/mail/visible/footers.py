"""Footers a device or mail app adds under what the customer typed ("Sent from my iPhone",
"Gesendet mit der mobilen Mail App", "Lähetetty iPhonesta", "iPhoneから送信").

A footer is a whole short line of a fixed shape: the client's phrase and a device or app name
of a few words, with no sentence punctuation inside. That shape is what keeps a customer's own
sentence that starts the same way ("Sent from my desk, is much easier to read…") theirs: the
phrase alone is never enough."""

from __future__ import annotations

import re

__all__ = ["is_device_footer", "is_list_footer", "names_a_device"]

_MAX_FOOTER_CHARS = 80
# A device or app name: a few words, no comma, colon or sentence end inside.
_NAME = r"[^,;:!?。，、،؛؟]{1,50}"
_SENT = (
    r"sent|envoyé|enviado|enviada|enviat|inviato|gesendet|verzonden|verstuurd|sendt|skickat|"
    r"wysłane|wysłano|отправлено|надіслано|odesláno|odoslané|poslano|στάλθηκε|trimis|"
    "أرسلت|أُرسلت|נשלח"
)
_FROM = (
    r"from|with|via|using|depuis|à partir de|avec|de|desde|do|da|dal|dallo|dalla|von|mit|"
    r"vanaf|van|met|fra|från|med|z|ze|из|с|з|des de|des del|από|de pe|cu|"
    r"من|מ\S*"
)
_END = r"[ \t.)>\]]*(?:<https?://[^\s<>]*>)?[ \t]*$"  # Outlook links its app's name
# Footers that open with the client's phrase: "Sent from my iPhone", "Envoyé de mon iPhone".
_LEADING_FOOTER = re.compile(
    rf"^[ \t]*[(<\[]*[ \t]*(?:"
    rf"(?:{_SENT})\s+(?:{_FROM})\s{_NAME}"
    rf"|lähetetty\s+\S{{1,30}}(?:sta|stä)"  # Lähetetty iPhonesta
    # Carriers' footers name the phone after a comma: "…S21 5G, an AT&T 5G smartphone".
    # Only "<name>, a/an <carrier> … smartphone": a sentence goes on differently after its comma.
    rf"|(?:{_SENT})\s+(?:{_FROM})\s{_NAME},\s+(?:an?\s|(?-i:[A-Z]))[^,!?。]{{0,40}}"
    rf"(?:smartphone|device)"
    # "Get Outlook for iOS" in the languages Outlook's apps speak.
    rf"|(?:get|obtenir|obtener|obter|obtenha|baixe|baixar|scarica|hämta|hent|få|pobierz|získat|"
    rf"télécharger|descargar|download)"
    rf"(?:\s+(?:o|la|l'app))?\s+\[?outlook\s+\S+\s{_NAME}"
    rf"|\[?outlook\s+(?:für|voor|for|dla)\s+(?:ios|android)\s+(?:beziehen|downloaden|herunterladen)"
    rf"|(?:diese nachricht wurde\s+)?von\s+meinem\s{_NAME}\s(?:gesendet|verschickt)"
    rf"|(?:从|從|发自|發自|来自|來自)\s?我的{_NAME}"  # 发自我的iPhone
    rf"){_END}",
    re.IGNORECASE,
)
# Footers that end with it: "iPhoneから送信", "iPhone에서 보냄", "iPhone'umdan gönderildi".
# Only tried on lines ending in one of these words: a pattern that opens with the device name
# would otherwise be tried, and fail slowly, on every line of every reply.
_TRAILING_WORDS = ("送信", "보냄", "gönderildi", "küldve")
_TRAILING_FOOTER = re.compile(
    rf"^[ \t]*(?:"
    rf"{_NAME}から(?:の)?送信"
    rf"|{_NAME}에서\s보냄"
    rf"|{_NAME}(?:dan|den|tan|ten)\s+gönderildi"
    rf"|{_NAME}(?:ról|ről)\s+küldve"
    rf"){_END}",
    re.IGNORECASE,
)

# Devices and mail apps that footers name.
_DEVICE = re.compile(
    r"iphone|ipad|android|samsung|galaxy|huawei|xiaomi|pixel|nokia|blackberry|outlook|"
    r"\bmail\b|mail app|mail-app|yahoo|proton|gmail|gmx|web\.de|t-online|mail\.ru|yandex|"
    r"windows|smartphone|mobile|mobil|móvil|cellulare|telefon|phone|携帯|手机|手機|"
    r"\bapp\b|aplicación|appli",
    re.IGNORECASE,
)


# Under a quoted message, what a mailing list or a mail gateway appends is not the customer's
# text, so it must not turn the quote above it into an inline answer.
_LIST_FOOTER = re.compile(
    r"^[ \t]*(?:"
    r"you received this (?:message|email|e-mail) because you are subscribed"
    r"|to unsubscribe from this group"
    r"|to view this discussion on the web"
    r"|reply to this email directly(?:,| or) view it on"
    r"|\S+ mailing list$"
    r"|https?://\S+/(?:mailman/)?listinfo/\S*$"
    r"|this (?:e-?mail|message) (?:was|has been) (?:sent|scanned|checked) (?:via|by|for)\b"
    r")",
    re.IGNORECASE,
)


def is_device_footer(line: str) -> bool:
    if len(line) > _MAX_FOOTER_CHARS:
        return False
    if _LEADING_FOOTER.match(line) is not None:
        return True
    return (
        line.rstrip(" \t.").endswith(_TRAILING_WORDS) and _TRAILING_FOOTER.match(line) is not None
    )


def names_a_device(line: str) -> bool:
    return _DEVICE.search(line) is not None


def is_list_footer(line: str) -> bool:
    return _LIST_FOOTER.match(line) is not None
