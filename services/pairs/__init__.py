"""A pair's life: approval, ending, re-pairing."""
