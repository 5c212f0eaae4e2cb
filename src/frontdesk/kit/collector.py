"""Garbage-collector settings for the server process.

CPython's cycle collector re-scans every tracked object in each full collection. A chat server
holds a few hundred thousand of them (modules, the app, each socket's coroutines and buffers), so
with the default thresholds a full collection ran every few seconds under chat load and stopped
the event loop for 60 ms on a quiet machine, 200-300 ms on a busy one: every message in flight
waited for it. Two changes, for the server process only:

* What exists once the app is built lives as long as the process, so it is frozen (`gc.freeze`)
  and never scanned again.
* A higher first threshold lets the objects of a message die young, before any collection,
  instead of being promoted by one; promotions are what bring on the full collections. The
  older generations are collected less often for the same reason.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 5_000
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 100


def tune_for_server() -> None:
    """Call once the app is built, before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
