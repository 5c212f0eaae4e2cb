"""Scheduled report emails: a user's subscription to the Reports page as filtered, mailed daily
or weekly at a local hour (docs/reports.md, "Reports by email")."""
