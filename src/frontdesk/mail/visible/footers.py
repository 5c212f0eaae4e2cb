"""Footers a device or mail app adds under what the customer typed ("Sent from my iPhone",
"Gesendet mit der mobilen Mail App", "Lähetetty iPhonesta", "iPhoneから送信").

A footer is a whole short line of a fixed shape: the client's phrase and a device or app name
of a few words, with no sentence punctuation inside. That shape is what keeps a customer's own
sentence that starts the same way ("Sent from my desk, is much easier to read…") theirs: the
phrase alone is never enough."""

from __future__ import annotations

import re

__all__ = ["is_device_footer", "is_list_footer"]

_MAX_FOOTER_CHARS = 80
# A device or app name: a few words, no comma, colon or sentence end inside.
_NAME = r"[^,;:!?。，、،؛؟]{1,50}"
_SENT = (
    r"sent|envoyé|enviado|enviada|enviat|inviato|gesendet|verzonden|verstuurd|sendt|skickat|"
    r"wysłane|wysłano|отправлено|надіслано|odesláno|odoslané|poslano|στάλθηκε|trimis|"
    "أرسلت|أُرسلت|נשלח"
)
_FROM = (
    r"from|with|via|using|on|depuis|à partir de|avec|de|desde|do|da|dal|dallo|dalla|von|mit|"
    r"vanaf|van|met|fra|från|med|z|ze|из|с|з|des de|des del|από|de pe|cu|"
    r"من|מ\S*"
)
_DEVICE_FOOTER = re.compile(
    rf"^[ \t]*[(<\[]*[ \t]*(?:"
    rf"(?:{_SENT})\s+(?:{_FROM})\s{_NAME}"  # Sent from my iPhone, Envoyé de mon iPhone
    rf"|lähetetty\s+\S{{1,30}}(?:sta|stä)"  # Lähetetty iPhonesta
    rf"|get\s+\[?outlook\s+for\s{_NAME}"  # Get Outlook for iOS
    rf"|(?:diese nachricht wurde\s+)?von\s+meinem\s{_NAME}\s(?:gesendet|verschickt)"
    rf"|(?:\u4ece|\u5f9e|\u53d1\u81ea|\u767c\u81ea|\u6765\u81ea|\u4f86\u81ea)\s?\u6211\u7684{_NAME}"
    rf"|{_NAME}\u304b\u3089(?:\u306e)?\u9001\u4fe1"  # iPhoneから送信
    rf"|{_NAME}\uc5d0\uc11c\s\ubcf4\ub0c4"  # iPhone에서 보냄
    rf"|{_NAME}(?:dan|den|tan|ten)\s+gönderildi"  # iPhone'umdan gönderildi
    rf"|{_NAME}(?:ról|ről)\s+küldve"  # Az iPhone-omról küldve
    rf")[ \t.)>\]]*(?:<https?://[^\s<>]*>)?[ \t]*$",  # Outlook links the app
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
    return len(line) <= _MAX_FOOTER_CHARS and _DEVICE_FOOTER.match(line) is not None


def is_list_footer(line: str) -> bool:
    return _LIST_FOOTER.match(line) is not None
