"""The part of an inbound email reply that the customer actually wrote (see scan.py for the
policy). One job per module:

- scan.py: the walk over the lines that decides what is the customer's;
- attribution.py: "On <date>, <name> wrote:" lines in many languages and clients;
- markers.py: "Original Message" separators and Outlook-style header blocks;
- footers.py: "Sent from my iPhone" and the other device and app footers;
- sent.py: our own message quoted without any marker, found by its text;
- flowed.py: format=flowed (RFC 3676) soft line breaks;
- html.py: HTML bodies rendered as text with quotes marked.
"""

from frontdesk.mail.visible.html import html_to_text
from frontdesk.mail.visible.scan import split_reply, visible_text

__all__ = ["html_to_text", "split_reply", "visible_text"]
