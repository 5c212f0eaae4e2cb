"""Envelopes and frames as JSON text: what a desk or a messenger parses is the same JSON the
standard library wrote before orjson took over (kit/frames.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from frontdesk.kit.frames import compact_json
from frontdesk.realtime.envelope import Envelope


def test_an_envelope_reads_back_as_the_standard_encoder_wrote_it() -> None:
    at = datetime(2026, 12, 3, 17, 5, 9, 120_000, tzinfo=UTC)
    data = {
        "message": {"text": 'Grüße 😀 "quoted" \\ </script>', "created_at": at},
        "counts": {1: 2, 3: None},
        "paris": datetime(2026, 12, 3, 18, 0, tzinfo=timezone(timedelta(hours=1))),
    }
    envelope = Envelope(type="chat.message_added", data=data, chat_id=7, seq=3, at=at)
    text = envelope.json_text()
    assert json.loads(text) == {
        "type": "chat.message_added",
        "data": {
            "message": {
                "text": 'Grüße 😀 "quoted" \\ </script>',
                "created_at": "2026-12-03T17:05:09.120000Z",
            },
            "counts": {"1": 2, "3": None},
            "paris": "2026-12-03T18:00:00+01:00",
        },
        "chat_id": 7,
        "seq": 3,
        "at": "2026-12-03T17:05:09.120000Z",
    }
    # Another process gets the text through the broker and sends it on as it came.
    again = Envelope.from_json(text)
    assert again.json_text() == text
    assert (again.chat_id, again.seq, again.at) == (7, 3, at)


def test_a_frame_with_a_lone_surrogate_is_still_written() -> None:
    """orjson refuses a string that is not valid Unicode; the standard encoder escapes it."""
    frame = {"type": "error", "text": "half \ud83d", "at": datetime(2026, 1, 1, tzinfo=UTC)}
    text = compact_json(frame, str)
    assert json.loads(text) == {
        "type": "error",
        "text": "half \ud83d",
        "at": "2026-01-01 00:00:00+00:00",
    }
    # An envelope written so reaches the other processes whole.
    envelope = Envelope(type="chat.typing", data={"name": "Ada \ud83d"}, chat_id=1)
    assert Envelope.from_json(envelope.json_text()).data == {"name": "Ada \ud83d"}


def test_values_nothing_encodes_are_refused_as_before() -> None:
    with pytest.raises(TypeError, match="not JSON serialisable"):
        Envelope(type="x", data={"x": object()}).json_text()
