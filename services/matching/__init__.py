"""Matching: the pure engine (``engine/``), and runs over the database (``runs``, ``parts``)."""
