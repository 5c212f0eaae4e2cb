"""Every refusal of a chat action, with the reason code clients switch on."""

from __future__ import annotations

from frontdesk.errors import (
    Conflict,
    Forbidden,
    FrontdeskError,
    NotFound,
    TooManyRequests,
    field_error,
)


class ChatEnded(Conflict):
    code = "chat_ended"

    def __init__(self) -> None:
        super().__init__("This chat has ended.")


class NotOnline(Conflict):
    code = "not_online"

    def __init__(self) -> None:
        super().__init__("You are offline. Go online to take chats.")


class AtCapacity(Conflict):
    code = "at_capacity"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You are at your limit of {limit} simultaneous chats. End or leave one first, "
            "or raise the limit in your preferences."
        )


class AlreadyJoined(Conflict):
    code = "already_joined"

    def __init__(self, by: str) -> None:
        super().__init__(f"{by} joined this chat a moment ago. Ask them to invite you.")


class NotInvited(Conflict):
    code = "not_invited"

    def __init__(self) -> None:
        super().__init__("This chat is already answered; join it when a participant invites you.")


class NotParticipant(Forbidden):
    code = "not_participant"

    def __init__(self) -> None:
        super().__init__("Only the chat's participants can do this. Join the chat first.")


class LastParticipant(Conflict):
    code = "last_participant"

    def __init__(self) -> None:
        super().__init__("You are the last participant: end the chat instead of leaving it.")


class InviteeNotOnline(Conflict):
    code = "not_online"

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is offline and cannot be invited.")


class NoAgentsOnline(Conflict):
    code = "no_agents_online"

    def __init__(self) -> None:
        super().__init__("Nobody is online right now. Leave a message with the contact form.")


class MessageTooLong(FrontdeskError):
    status_code = 422
    code = "message_too_long"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Messages are limited to {limit} characters.",
            fields=[field_error("text", "too_long", f"At most {limit} characters.", limit)],
        )


class ChatNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such chat.")


class IdentityUnverified(Forbidden):
    code = "identity_unverified"

    def __init__(
        self, message: str = "This inbox needs a verified identity: userHash is missing or wrong."
    ) -> None:
        super().__init__(message)


class UnconfirmedEmailLimit(TooManyRequests):
    """Chats that would mail an address nobody confirmed, from one network address."""

    code = "unconfirmed_email_limit"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            "Too many chats with an email address were started from your network. Start the "
            f"chat without an email address, or try again in {minutes} minutes.",
            retry_after=retry_after,
        )
