"""Idempotency keys of the API: a request sent again with the key of one already answered gets
that answer, and does nothing a second time (docs/api.md "Retrying safely")."""
