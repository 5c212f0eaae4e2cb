"""What a rule is made of, typed: when it runs (`When`), what the ticket must look like
(`Condition`, all or any of them) and what it does (the actions of `actions/kinds.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from frontdesk.actions.kinds import Action, Actions, Assign
from frontdesk.kit.schemas import Id

MAX_CONDITIONS = 20
MAX_HOURS = 365 * 24
MAX_VALUE = 200


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# When -------------------------------------------------------------------------------------


class OnCreated(_Part):
    type: Literal["created"] = "created"
    by: Literal["customer", "agent"] | None = Field(
        default=None,
        description="Who created it: `customer` (their email, chat or contact form), `agent` "
        "(filed by hand, or split off another ticket); null: either",
    )


class OnCustomerReply(_Part):
    type: Literal["customer_replied"] = "customer_replied"


class OnLabelAdded(_Part):
    type: Literal["label_added"] = "label_added"
    label_id: Id | None = Field(default=None, description="This label; null: any label")


class OnStateChanged(_Part):
    type: Literal["state_changed"] = "state_changed"
    state: Literal["open", "hold", "snoozed", "closed"] | None = Field(
        default=None, description="To this state; null: any change"
    )


Hours = Annotated[int, Field(ge=1, le=MAX_HOURS)]


class NoReply(_Part):
    """Open, and the customer's oldest unanswered message has waited this long."""

    type: Literal["no_reply"] = "no_reply"
    hours: Hours


class InState(_Part):
    """In this state, unchanged, for this long (hold: "pending the customer")."""

    type: Literal["in_state"] = "in_state"
    state: Literal["open", "hold", "closed"]
    hours: Hours


class InStatus(_Part):
    """In this custom status, unchanged, for this long ("Waiting on vendor for 5 days"): counted
    from the status's last change, which a change within the state restarts as well."""

    type: Literal["in_status"] = "in_status"
    status_id: Id = Field(description="A custom status (not archived when the rule is saved)")
    hours: Hours


When = Annotated[
    OnCreated | OnCustomerReply | OnLabelAdded | OnStateChanged | NoReply | InState | InStatus,
    Field(discriminator="type"),
]
TIMED = ("no_reply", "in_state", "in_status")
# A time-based `when`: rules/timed.py fires it once per episode.
Timed = NoReply | InState | InStatus

# Conditions -------------------------------------------------------------------------------

Text = Annotated[str, Field(min_length=1, max_length=MAX_VALUE)]


class InboxIs(_Part):
    field: Literal["inbox"] = "inbox"
    op: Literal["is", "is_not"]
    value: Id


class ChannelIs(_Part):
    field: Literal["channel"] = "channel"
    op: Literal["is", "is_not"]
    value: Literal["chat", "email", "web"]


class HasLabel(_Part):
    field: Literal["label"] = "label"
    op: Literal["has", "has_not"]
    value: Id


class CustomerIs(_Part):
    field: Literal["customer_email", "customer_name", "customer_domain"]
    op: Literal["contains", "not_contains", "equals"]
    value: Text


class TextHas(_Part):
    """The subject, or the message that triggered the rule (a new ticket's first message)."""

    field: Literal["text"] = "text"
    op: Literal["contains", "not_contains"]
    value: Text


class InHours(_Part):
    field: Literal["hours"] = "hours"
    op: Literal["in", "out"] = Field(description="In or out of the inbox's business hours")


class FieldValue(_Part):
    """A custom field's value, of the ticket or of its customer (fields/automation.py)."""

    field: Literal["ticket_field", "customer_field"]
    key: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="The field's key (GET /api/v1/fields)"
    )
    op: Literal[
        "is", "is_not", "contains", "not_contains", "gt", "gte", "lt", "lte", "set", "not_set"
    ] = Field(
        description="By kind: text is, is_not, contains, not_contains; list is, is_not; number "
        "and date is, is_not, gt, gte, lt, lte; checkbox is (true: ticked, false: not); all "
        "but checkbox set and not_set"
    )
    value: bool | int | float | Annotated[str, Field(max_length=500)] | None = Field(
        default=None,
        description="What to compare with, as the field's value is written (an option, "
        "12.5, 2027-01-31, true); none for set and not_set",
    )


class PriorityIs(_Part):
    field: Literal["priority"] = "priority"
    op: Literal["is", "is_not"]
    value: Literal["urgent", "high", "normal", "low"]


class AssigneeIs(_Part):
    """The ticket's assignee as it is now; null: nobody ("Assignee is nobody": unassigned)."""

    field: Literal["assignee"] = "assignee"
    op: Literal["is", "is_not"]
    value: Id | None = Field(description="A user's id (GET /api/v1/users); null: nobody")


class StatusIs(_Part):
    """The ticket's custom status, or a state's plain status (the state without a custom one:
    "Hold" is on hold with no finer status, as the ticket page's select says)."""

    field: Literal["status"] = "status"
    op: Literal["is", "is_not"]
    value: Id | Literal["open", "hold", "snoozed", "closed"] = Field(
        description="A custom status's id (GET /api/v1/ticket-statuses), or a state for its "
        "plain status: the ticket in that state without a custom status"
    )


Condition = Annotated[
    InboxIs
    | ChannelIs
    | HasLabel
    | CustomerIs
    | TextHas
    | InHours
    | FieldValue
    | PriorityIs
    | AssigneeIs
    | StatusIs,
    Field(discriminator="field"),
]
Conditions = Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)]


def _no_me(actions: list[Action]) -> list[Action]:
    # Nobody is "me" when a rule runs: it runs as the system.
    if any(isinstance(action, Assign) and action.assignee == "me" for action in actions):
        raise ValueError("a rule runs as nobody: name the user to assign, not `me`")
    return actions


RuleActions = Annotated[Actions, AfterValidator(_no_me)]

STORED_WHEN: TypeAdapter[When] = TypeAdapter(When)
STORED_CONDITIONS: TypeAdapter[list[Condition]] = TypeAdapter(Conditions)
STORED_ACTIONS: TypeAdapter[list[Action]] = TypeAdapter(RuleActions)


class Definition(_Part):
    """A rule's parts, as saved and as dry-run."""

    when: When
    match: Literal["all", "any"] = "all"
    conditions: Conditions = Field(default_factory=list)
    actions: RuleActions

    @model_validator(mode="after")
    def _timed_state(self) -> Definition:
        return self
