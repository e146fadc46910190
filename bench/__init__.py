"""Benchmarks and synthetic-data generators (``make bench``)."""
