"""Focused rules of the visible-text extractor, each with the guard that keeps it from eating a
customer's own words: quote headers in many languages, header blocks and separators, device and
list footers, our own message pasted without a marker, format=flowed and phone lines."""

from __future__ import annotations

import pytest

from frontdesk.mail.visible import split_reply, visible_text
from frontdesk.mail.visible.flowed import unflow

OWN = "Thanks, that fixed it.\n\nAnna"
HISTORY = "> Hello Anna,\n>\n> your invoice is attached.\n> Jane"


def _reply(header: str, *, blank: bool = True) -> str:
    return f"{OWN}\n\n{header}\n" + ("\n" if blank else "") + HISTORY + "\n"


@pytest.mark.parametrize(
    "header",
    [
        "El 08/11/16 a les 14:26, Jane Doe ha escrit:",
        "El dt., 8 de nov. 2016 a les 14:26, Jane Doe (<jane@example.com>) va escriure:",
        "2016/11/08 14:26、Jane Doe <jane@example.com> のメッセージ:",
        "Wiadomość napisana przez Jane Doe <jane@example.com> w dniu 08.11.2016, o godz. 14:26:",
        "Στις 8/11/2016 2:26 μ.μ., ο/η Jane Doe έγραψε:",
        "في 8 نوفمبر 2016، الساعة 14:26، كتب Jane Doe <jane@example.com>:",
        "في الثلاثاء، 8 نوفمبر 2016 في 2:26 م تمت كتابة ما يلي بواسطة Jane Doe <jane@example.com>:",
        "No dia 8 de nov. de 2016, às 14:26, Jane Doe <jane@example.com> escreveu:",
        "Am 08.11.2016 um 14:26 schrieb Jane Doe <jane@example.com>",
        "Jane Doe <jane@example.com> schrieb am Di., 8. Nov. 2016, 14:26:",
        "Jane Doe schrieb am 08.11.2016 um 14:26:",
        "ti 8. marrask. 2016 klo 14.26 Jane Doe (jane@example.com) kirjoitti:",
        "Jane Doe <jane@example.com> kirjoitti 8.11.2016 kello 14.26:",
        "tir. 8. nov. 2016 kl. 14:26 skrev Jane Doe <jane@example.com>:",
        "בתאריך יום ג׳, 8 בנוב׳ 2016 ב-14:26 מאת Jane Doe <jane@example.com>:",
        "2016-11-08 오후 2:26에 Jane Doe 이(가) 쓴 글:",
    ],
    ids=[
        "ca-thunderbird",
        "ca-gmail",
        "ja-apple",
        "pl-apple",
        "el-thunderbird",
        "ar-apple",
        "ar-gmail",
        "pt-apple",
        "de-no-colon",
        "de-schrieb-am",
        "de-name-led",
        "fi-gmail",
        "fi-apple",
        "nb-gmail",
        "he-gmail",
        "ko-thunderbird",
    ],
)
def test_quote_header_in_many_languages(header: str) -> None:
    assert visible_text(_reply(header)) == OWN


@pytest.mark.parametrize(
    "header",
    [
        "On Tue, Nov 8, 2016 at 2:26 PM Jane Doe from Example Support <\n"
        "support@example.com> wrote:",
        "On Tue, 8 Nov 2016 at 14:26, Jane Doe from Example Support\n<support@example.com>\nwrote:",
        "Am Di., 8. Nov. 2016 um 14:26 Uhr schrieb Jane\nDoe vom Example Support <\n"
        "support@example.com>:",
        "Jane Doe Example 支持团队 <support@example.com>\n于2016年11月8日周二 下午2:26写道：",
    ],
    ids=["two-lines", "three-lines", "three-lines-de", "zh-name-first"],
)
def test_quote_header_wrapped_over_lines(header: str) -> None:
    assert visible_text(_reply(header)) == OWN


@pytest.mark.parametrize(
    "header",
    [
        "On Tue, Nov 8, 2016 at 2:26 PM, jane@example.com wrote:",
        "jane@example.com wrote:",
        "Jane Doe jane@example.com wrote:",
        "Le 08/11/2016 à 14:26, jane@example.com a écrit :",
    ],
)
def test_quote_header_with_a_bare_address(header: str) -> None:
    assert visible_text(_reply(header, blank=False)) == OWN


def test_name_only_header_counts_only_over_a_quote() -> None:
    assert visible_text(_reply("Jane Doe wrote:", blank=False)) == OWN
    body = f"{OWN}\n\nMy colleague Jane wrote:\nplease call me back tomorrow."
    assert visible_text(body) == body


BLOCK = "Hello Anna,\n\nyour invoice is attached.\nJane"


@pytest.mark.parametrize(
    "marker",
    [
        "-----Original-Nachricht-----\nBetreff: Re: Rechnung\nDatum: 2016-11-08T14:26:00+01:00\n"
        'Von: "Jane Doe" <jane@example.com>\nAn: "Anna" <anna@example.org>',
        "-------- Oprindelig besked --------\nFra: Jane Doe <jane@example.com>\n"
        "Dato: 8. nov. 2016 14.26\nTil: Anna <anna@example.org>\nEmne: Faktura",
        'Message du 08/11/16 14:26\nDe : "Jane Doe" <jane@example.com>\nA : anna@example.org\n'
        "Sujet : Re: Facture",
        "من: Jane Doe <jane@example.com>\nتم الإرسال: الثلاثاء، 8 نوفمبر، 2016 2:26 م\n"
        "إلى: Anna Berg <anna@example.org>\nالموضوع: RE: الفاتورة",
        "From: Jane Doe <jane@example.com> Sent: Tuesday, November 8, 2016 2:26 PM "
        "To: Anna Berg <anna@example.org> Subject: RE: Invoice",
        "Von: Jane Doe <jane@example.com> Gesendet: Dienstag, 8. November 2016 14:26 "
        "An: Anna Berg <anna@example.org> Betreff: AW: Rechnung",
        "-----Wiadomość oryginalna-----",
        "-----Alkuperäinen viesti-----",
    ],
    ids=[
        "de-gmx",
        "da-separator",
        "fr-message-du",
        "ar-block",
        "en-one-line",
        "de-one-line",
        "pl-separator",
        "fi-separator",
    ],
)
def test_header_blocks_and_separators(marker: str) -> None:
    assert visible_text(f"{OWN}\n\n{marker}\n{BLOCK}\n") == OWN


@pytest.mark.parametrize(
    "body",
    [
        "Message du 12/03/2026 reçu, merci.\nJe reviens vers vous.",
        "From: my side all is fine. To: be sure I checked. Subject: closed.",
        "De: mi parte todo bien.\nPara: que quede claro, lo revisé.",
    ],
)
def test_header_words_in_a_sentence_stay(body: str) -> None:
    assert visible_text(body) == body


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Sent via the Samsung Galaxy S21 5G, an AT&T 5G smartphone",
        "Outlook für iOS beziehen<https://aka.ms/o0ukef>",
        "Obtenir Outlook pour iOS",
        "Get Outlook for Android<https://aka.ms/ghei36>",
        "Gesendet mit der mobilen Mail App",
        "Von meinem iPhone gesendet",
        "Lähetetty iPhonesta",
        "Envoyé à partir de Outlook pour iOS",
        "أرسلت من الـ iPhone الخاص بي",
        "Στάλθηκε από το iPhone μου",
        "iPhoneから送信",
        "发自我的iPhone",
        "iPhone에서 보냄",
        "iPhone'umdan gönderildi",
        "Az iPhone-omról küldve",
        "נשלח מה-iPhone שלי",
    ],
)
def test_device_footers(footer: str) -> None:
    assert visible_text(f"{OWN}\n\n{footer}\n") == OWN


@pytest.mark.parametrize(
    "sentence",
    [
        "Sent from my desk, is much easier to read the invoice there.",
        "Sent from my phone number ending in 22, so please use that one.",
        "Sent from my desk, is much easier to read than on my smartphone.",
        "Gesendet von meinem Büro aus, weil das Netz dort besser ist.",
        "Envoyé de mon bureau, c'est plus simple.",
        "أرسلت من المكتب، لأن الفاتورة مطبوعة هناك.",
        "Lähetetty toimistolta, koska siellä lasku on tulostettuna.",
    ],
)
def test_a_sentence_that_starts_like_a_footer_stays(sentence: str) -> None:
    assert visible_text(f"{OWN}\n\n{sentence}") == f"{OWN}\n\n{sentence}"
    assert visible_text(f"{sentence}\n\n{OWN}") == f"{sentence}\n\n{OWN}"


def test_a_device_footer_ends_the_text_even_without_a_marker_below() -> None:
    body = f"{OWN}\n\nSent from my iPhone\n\nHello Anna,\nan older message of the thread.\n"
    assert visible_text(body) == OWN
    # The same shape naming no device or mail app is a footer only at the very end.
    parcel = f"{OWN}\n\nGesendet mit DHL Express\nDie Sendungsnummer ist 00340434161094042557."
    assert visible_text(parcel) == parcel
    assert visible_text(f"{OWN}\n\nSent with ProtonMail Secure Email.") == OWN


SENT = (
    "Hello Anna,\n\nthank you for your message. Your invoice 2016-114 is attached; the\n"
    "amount is due on 30 November.\n\nBest regards,\nJane"
)


def test_our_message_under_a_footer_is_cut_by_its_text() -> None:
    body = f"{OWN}\n\nSent from my iPhone\n\n{SENT}\n"
    visible, rest = split_reply(body, sent=[SENT])
    assert visible == OWN
    assert rest.startswith("Sent from my iPhone")
    assert "invoice 2016-114" in rest


def test_our_message_pasted_without_any_marker_is_cut_by_its_text() -> None:
    body = f"{OWN}\n\n{SENT}\n"
    assert visible_text(body) == body.strip()  # without knowing what we sent: all theirs
    assert visible_text(body, sent=[SENT]) == OWN
    # Re-wrapped by the client, and among several mails we sent: still found.
    rewrapped = f"{OWN}\n\n" + SENT.replace("the\namount", "the amount").replace(
        "message. Your", "message.\nYour"
    )
    assert (
        visible_text(rewrapped, sent=["Something else we said earlier on the ticket.", SENT]) == OWN
    )


def test_our_text_is_not_matched_on_a_short_overlap() -> None:
    body = "Hello Anna,\n\nI mean: thank you for your message, really.\n\nAnna"
    assert visible_text(body, sent=[SENT]) == body
    # Too short a sent text to be told from a customer's words.
    assert visible_text(f"{OWN}\n\nThanks!\n", sent=["Thanks!"]) == f"{OWN}\n\nThanks!"
    # Nothing of the customer's above it: nothing to cut it from.
    assert visible_text(SENT, sent=[SENT]) == SENT


def test_a_quote_followed_by_a_list_footer_is_history() -> None:
    gateway = (
        'You received this message because you are subscribed to the Google Groups "Support"'
        " group.\nTo unsubscribe from this group, send an email to support+unsubscribe@example.com."
    )
    assert visible_text(f"{OWN}\n\n{HISTORY}\n\n{gateway}\n") == OWN
    mailman = (
        "_______________________________________________\nsupport mailing list\n"
        "support@lists.example.org\nhttps://lists.example.org/mailman/listinfo/support"
    )
    assert visible_text(f"{OWN}\n\n{HISTORY}\n\n{mailman}\n") == OWN


def test_an_inline_answer_is_still_kept() -> None:
    body = f"{OWN}\n\n> your invoice is attached.\n\nIt is not, please resend."
    assert visible_text(body) == body


@pytest.mark.parametrize("phone", ["+49 170 1234567", "0170 1234567", "(555) 123-4567"])
def test_a_phone_number_before_a_quote_header_stays(phone: str) -> None:
    body = f"{OWN}\n{phone}\nJane Doe <jane@example.com> wrote:\n{HISTORY}\n"
    assert visible_text(body) == f"{OWN}\n{phone}"
    header = "On Tue, Nov 8, 2016 at 2:26 PM Jane Doe <jane@example.com> wrote:"
    body = f"{OWN}\n{phone}\n{header}\n{HISTORY}"
    assert visible_text(body) == f"{OWN}\n{phone}"


class TestFlowed:
    def test_soft_breaks_are_joined(self) -> None:
        text = "I would like to change the \ndelivery address, please.\nSecond line.\n"
        assert (
            unflow(text) == "I would like to change the delivery address, please.\nSecond line.\n"
        )

    def test_delsp_drops_the_space_before_the_break(self) -> None:
        text = "Rechnungs \nnummer 2016-114, and the  \nrest."
        assert unflow(text, delsp=True) == "Rechnungsnummer 2016-114, and the rest."
        assert unflow(text) == "Rechnungs nummer 2016-114, and the  rest."

    def test_quote_depth_and_signature(self) -> None:
        text = "Mine \nhere.\n> quoted \n> line\n>> older \n> not joined to depth 2\n-- \nAnna"
        assert unflow(text) == (
            "Mine here.\n> quoted line\n>> older\n> not joined to depth 2\n-- \nAnna"
        )

    def test_space_stuffing_is_removed(self) -> None:
        assert unflow(" From the start\n >not a quote") == "From the start\n>not a quote"

    def test_fixed_lines_are_left_alone(self) -> None:
        text = "Line one\nLine two\n\n> quoted\n"
        assert unflow(text) == text
