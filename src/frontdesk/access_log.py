"""What uvicorn's access log may keep of a request: its method, path and status, never its query
string (a search for a customer's address, a file link's signature, a sign-on's code) nor the
token in the path of a rating link or a report email's unsubscribe link. The log outlives an
erasure, and whoever reads it need not see customers' words or reusable links
(docs/privacy.md)."""

from __future__ import annotations

import logging

from frontdesk.ratings.links import PATH as RATING_PATH
from frontdesk.report_emails.links import PATH as UNSUBSCRIBE_PATH

ACCESS_LOGGER = "uvicorn.access"
# uvicorn's access record: (client address, method, path with its query, HTTP version, status).
_PATH_ARGUMENT = 2


def private_path(path: str) -> str:
    path, _, query = path.partition("?")
    for tokened in (RATING_PATH, UNSUBSCRIBE_PATH):
        if path.startswith(tokened + "/"):
            path = tokened + "/…"
    return path + ("?…" if query else "")


class PrivateAccessLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARGUMENT:
            path = args[_PATH_ARGUMENT]
            if isinstance(path, str):
                record.args = (
                    *args[:_PATH_ARGUMENT],
                    private_path(path),
                    *args[_PATH_ARGUMENT + 1 :],
                )
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, PrivateAccessLog) for existing in logger.filters):
        logger.addFilter(PrivateAccessLog())
