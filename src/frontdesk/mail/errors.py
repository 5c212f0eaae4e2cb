"""Refusals of inbound mail and outbox actions. The inbound ones keep the transaction's changes:
the message is refused, but the record of what arrived and why it was refused stays."""

from __future__ import annotations

from frontdesk.errors import Conflict, FrontdeskError


class InboundRefused(FrontdeskError):
    keep_changes = True
    # What the SMTP listener answers for this refusal (RFC 3463 enhanced code included).
    smtp_reply = "550 5.7.1 Message refused"

    def __init__(self, message: str, *, inbound_id: int | None = None) -> None:
        super().__init__(message)
        self.inbound_id = inbound_id


class MessageTooLarge(InboundRefused):
    status_code = 413
    code = "message_too_large"

    def __init__(self, limit: int, *, what: str, inbound_id: int | None = None) -> None:
        super().__init__(
            f"The message is too large: {what} may be at most {limit // (1024 * 1024)} MB.",
            inbound_id=inbound_id,
        )
        self.smtp_reply = f"552 5.3.4 {self.message}"


class MalformedMessage(InboundRefused):
    status_code = 422
    code = "malformed_message"

    def __init__(self, reason: str, *, inbound_id: int | None = None) -> None:
        super().__init__(
            f"The message could not be read: {reason}. It was kept for an administrator.",
            inbound_id=inbound_id,
        )
        self.smtp_reply = f"554 5.6.0 Malformed message: {reason}"


class Unroutable(InboundRefused):
    status_code = 422
    code = "unroutable"

    def __init__(self, *, inbound_id: int | None = None) -> None:
        super().__init__(
            "No ticket or inbox matches this message: it is not a reply to one of our emails "
            "and none of its recipients is an inbox address.",
            inbound_id=inbound_id,
        )
        self.smtp_reply = "550 5.1.1 No such mailbox here"


class Unprocessable(InboundRefused):
    """The message broke something on our side, twice: kept for an administrator and refused
    for good, since the sender trying again would only meet the same failure."""

    status_code = 422
    code = "unprocessable_message"

    def __init__(self, *, inbound_id: int | None = None) -> None:
        super().__init__(
            "The message could not be processed. It was kept for an administrator.",
            inbound_id=inbound_id,
        )
        self.smtp_reply = (
            "554 5.3.0 The message could not be processed; it was kept for an administrator"
        )


class InboundDeferred(FrontdeskError):
    """Nothing could be stored for now (the database is unavailable, the server is stopping):
    the sender should try again later."""

    status_code = 503
    code = "try_again_later"
    smtp_reply = "451 4.3.0 Temporary failure, try again later"

    def __init__(self) -> None:
        super().__init__("The message could not be stored just now; send it again later.")


class InboundNotConfigured(FrontdeskError):
    status_code = 503
    code = "inbound_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "Inbound mail over HTTP is turned off: set FRONTDESK_INBOUND_TOKEN and send it as "
            "'Authorization: Bearer <token>'."
        )


class NotRetryable(Conflict):
    code = "not_retryable"

    def __init__(self, state: str) -> None:
        super().__init__(f"This message is {state}; only failed or queued mail can be retried.")
