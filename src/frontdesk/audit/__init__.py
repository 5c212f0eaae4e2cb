"""The audit log: who did what to the desk's security and settings, when and from where.

Importing any part of it installs the flush listener that records settings changes
(changes.py), so no process can write an audited row without its entry."""

from frontdesk.audit import changes as _changes

__all__ = ["_changes"]
