"""Business hours: one calendar per inbox (time zone, weekly hours, holidays, away message)."""
