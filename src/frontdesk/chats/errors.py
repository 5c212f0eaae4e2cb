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


class OfferedToAnother(Conflict):
    """The inbox offers chats one agent at a time and this one is offered to someone else now."""

    code = "offered_to_another"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"This chat is offered to {name} right now. If they decline or do not answer, it is "
            "offered to the next agent, and in the end to everybody."
        )


class OfferGone(Conflict):
    code = "offer_gone"

    def __init__(self) -> None:
        super().__init__(
            "This chat is no longer offered to you: the time to accept ran out or it was "
            "declined, joined or ended meanwhile."
        )


class AlreadyJoined(Conflict):
    """An ongoing chat is answered by others: whether it was taken a moment ago or an hour ago,
    and whether this agent was in it before (a Leave, a transfer), only a participant lets them
    in again."""

    code = "already_joined"

    def __init__(self, answering: list[str], *, left_it: bool) -> None:
        names = _names(answering)
        verb = "is" if len(answering) == 1 else "are"
        if left_it:
            message = (
                f"You left this chat; {names} {verb} answering it now. You can read along; "
                f"to write in it again, ask {names} to invite you (only a participant can)."
            )
        else:
            message = (
                f"{names} {verb} already answering this chat. You can read along; to join, ask "
                f"{names} to invite you (only a participant can)."
            )
        super().__init__(message)


def _names(names: list[str]) -> str:
    """Names in a sentence: "Ada", "Ada and Bob", "Ada, Bob and Grace"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


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

    def __init__(self, name: str, *, out_of_office: bool = False) -> None:
        why = "out of office" if out_of_office else "offline"
        super().__init__(f"{name} is {why} and cannot be invited.")


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


class InboxClosed(Conflict):
    """Out of the inbox's business hours: the visitor leaves a message instead."""

    code = "inbox_closed"

    def __init__(self, back_at: str | None) -> None:
        back = f" We are back {back_at}." if back_at else ""
        super().__init__(f"We are closed right now.{back} Leave a message with the contact form.")


class ChatHasEmail(Conflict):
    """An ended chat's ticket already has the visitor's address: it is not changed afterwards."""

    code = "chat_has_email"

    def __init__(self) -> None:
        super().__init__(
            "This chat ended with your email address already: we will answer there. To use "
            "another address, start a new chat."
        )


class VisitorBlocked(Forbidden):
    """An agent blocked this visitor, or the website signed them in with a blocked address
    (docs/chat.md, "Blocking a visitor"). The words say no more than that: the messenger shows
    its own neutral sentence."""

    code = "visitor_blocked"

    def __init__(self) -> None:
        super().__init__("You can't start a conversation right now.")
