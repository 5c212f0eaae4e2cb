"""This process's identity among the processes sharing one database: the sockets it holds are
recorded with it, and its heartbeat keeps them counted as present."""

from __future__ import annotations

import uuid

PROCESS_ID = uuid.uuid4().hex[:16]
