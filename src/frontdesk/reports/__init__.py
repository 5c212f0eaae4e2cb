"""Reports: figures read from metric moments, ratings and the availability log."""
