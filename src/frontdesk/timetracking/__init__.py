"""Time tracking: the minutes agents log on tickets, and each agent's running timer."""
