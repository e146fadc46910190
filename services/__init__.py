"""The domain: plain Python that takes ids and values and returns values."""
