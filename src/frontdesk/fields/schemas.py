from __future__ import annotations

from typing import Annotated

from pydantic import Field

from frontdesk.fields.models import FieldKind, FieldObject
from frontdesk.fields.service import (
    MAX_FIELDS,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
)
from frontdesk.kit.schemas import FROM_STRING, Id, ReadModel, WriteModel

FieldLabel = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_LENGTH)]
Options = Annotated[
    list[Annotated[str, Field(max_length=MAX_OPTION_LENGTH)]], Field(max_length=MAX_OPTIONS)
]


class CustomFieldRead(ReadModel):
    id: int
    object: FieldObject = Field(description="What the field is for: `ticket` or `customer`.")
    key: str = Field(
        description="The name of the field's value in a ticket's or customer's `fields`; made "
        "from the label when the field was created, never changed by a rename."
    )
    label: str
    kind: FieldKind
    options: list[str] = Field(description="A list's options, in order; [] for other kinds.")
    position: int = Field(description="Its place among the object's fields, from 0.")
    archived: bool = Field(description="Kept with its values, but neither shown nor settable.")


class CustomFieldDetail(CustomFieldRead):
    in_use: int | None = Field(
        description="How many tickets (or customers) hold a value of the field: what deleting "
        "it removes. Admins and owners only (it counts every inbox's); null for an agent."
    )


class CustomFieldCreate(WriteModel):
    object: Annotated[FieldObject, FROM_STRING]
    label: FieldLabel
    kind: Annotated[FieldKind, FROM_STRING]
    options: Options = Field(
        default_factory=list, description="A list field's options (at least one), in order."
    )
    key: Annotated[str, Field(max_length=MAX_KEY_LENGTH)] | None = Field(
        default=None,
        description="Lower-case letters, digits and _, starting with a letter. Left out: made "
        "from the label (`Contract end` → `contract_end`).",
    )


class CustomFieldUpdate(WriteModel):
    label: FieldLabel | None = None
    options: Options | None = Field(
        default=None,
        description="Every option the list is to have, in order: new ones added, the order "
        "changed; one that a ticket or customer holds cannot be removed (409 `option_in_use`).",
    )
    archived: bool | None = None
    renames: (
        Annotated[
            dict[
                Annotated[str, Field(max_length=MAX_OPTION_LENGTH)],
                Annotated[str, Field(max_length=MAX_OPTION_LENGTH)],
            ],
            Field(max_length=MAX_OPTIONS),
        ]
        | None
    ) = Field(
        default=None,
        description='A list\'s options renamed, `{"Pro": "Professional"}` (the old one in '
        "any case): the tickets or customers holding one, the rules and macros naming it and "
        "the saved views filtering by it follow. Not with `options` in the same request.",
    )


class CustomFieldOrder(WriteModel):
    object: Annotated[FieldObject, FROM_STRING]
    field_ids: list[Id] = Field(
        max_length=MAX_FIELDS,
        description="Every field of the object, archived ones too, in their new order.",
    )
