"""The access log keeps method, path and status, never a query string nor a rating link's token:
what a search asked for (a customer's address), a file link's signature, a sign-on's code."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI

from frontdesk.access_log import ACCESS_LOGGER
from frontdesk.config import load_settings
from frontdesk.server import server_config

# uvicorn's own format and arguments for an access line.
FORMAT = '%s - "%s %s HTTP/%s" %d'


def logged(path: str) -> str:
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        FORMAT,
        ("10.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    # Through the logger's own filters, as a line written to it is.
    assert logging.getLogger(ACCESS_LOGGER).filter(record)
    return record.getMessage()


def test_the_server_logs_no_query_string_nor_rating_token(tmp_path: Path) -> None:
    server_config(FastAPI(), load_settings(data_dir=tmp_path))

    assert logged("/api/v1/customers?q=kunde%40example.de") == (
        '10.0.0.1:5000 - "GET /api/v1/customers?… HTTP/1.1" 200'
    )
    assert "signature" not in logged("/messenger/v1/files/7?variant=original&signature=abc")
    assert logged("/rate/Zm9vYmFy.sig/5") == '10.0.0.1:5000 - "GET /rate/… HTTP/1.1" 200'
    assert logged("/report-emails/unsubscribe/Zm9vYmFy.sig") == (
        '10.0.0.1:5000 - "GET /report-emails/unsubscribe/… HTTP/1.1" 200'
    )
    assert logged("/api/v1/tickets/12") == '10.0.0.1:5000 - "GET /api/v1/tickets/12 HTTP/1.1" 200'
