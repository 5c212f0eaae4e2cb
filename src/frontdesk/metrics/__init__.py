"""Metric moments: what happened to each conversation and when, recorded as it happens."""
