from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from frontdesk.kit.schemas import ReadModel

# How a ticket's file (or a received mail's attachment) is read: as a download (the default),
# shown in the browser when it is an image, or its thumbnail.
FileVariant = Annotated[str, Query(pattern="^(download|file|thumbnail)$")]


class StoredFileRead(ReadModel):
    id: int
    filename: str
    content_type: str
    size: int
    ticket_id: int
    entry_id: int | None
    created_at: datetime
    # A raster image by its bytes, decoded: it has a thumbnail (`variant=thumbnail`).
    image: bool
    width: int | None
    height: int | None
