"""The registry: children and their consent, volunteers and their background checks, retention."""
