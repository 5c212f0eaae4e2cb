"""Footers a device or mail app adds under what the customer typed ("Sent from my iPhone")."""

from __future__ import annotations

import re

_MAX_MOBILE_SIGNATURE_CHARS = 120
_MOBILE_SIGNATURE = re.compile(
    r"^[ \t]*[(<\[]*[ \t]*(?:"
    r"(?:sent|envoyé|enviado|inviato|gesendet|verzonden|verstuurd|sendt|skickat|wysłane|"
    r"wysłano|отправлено|надіслано|odesláno|lähetetty)"
    r"\s+(?:from|with|via|using|depuis|de|desde|do|da|dal|von|vanaf|van|met|fra|från|med|z|ze|"
    r"из|\u0441|з)(?!\w)"
    r"|(?:diese nachricht wurde )?von meinem\s.{0,60}gesendet"
    r"|get\s+\[?outlook\s+for(?!\w)"
    r"|(?:\u4ece|\u5f9e|\u53d1\u81ea|\u767c\u81ea)\u6211\u7684"
    r"|.{0,30}\u304b\u3089\u9001\u4fe1"
    r")",
    re.IGNORECASE,
)


def is_device_footer(line: str) -> bool:
    return len(line) <= _MAX_MOBILE_SIGNATURE_CHARS and _MOBILE_SIGNATURE.match(line) is not None

