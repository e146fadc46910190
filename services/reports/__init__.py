"""Figures and ledgers: the dashboard, the overview, exported ledgers."""
