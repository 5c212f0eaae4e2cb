"""Operations: backup and restore (`frontdesk backup`, `frontdesk restore`), liveness and
readiness probes, and Prometheus metrics (docs/deploy.md)."""
