"""Refusals of a rating, with the codes the messenger and the rating page switch on."""

from __future__ import annotations

from frontdesk.errors import Conflict, FrontdeskError, NotFound


class NotRateable(Conflict):
    """The chat cannot be rated: not ended yet, nobody answered it, or the inbox does not ask."""

    code = "not_rateable"


class RatingFinal(Conflict):
    code = "rating_final"

    def __init__(self) -> None:
        super().__init__("This rating can no longer be changed.")


class LinkInvalid(NotFound):
    """A link that was never ours or was altered: said the same way as one that does not exist."""

    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__("This rating link is not valid.")


class LinkExpired(FrontdeskError):
    status_code = 410
    code = "link_expired"

    def __init__(self) -> None:
        super().__init__("This rating link has expired.")
