"""Text messages: templates, the outbox, the sender, limits, failover, receipts, providers.

The outbox (``outbox``) is where every message is written; ``sender`` claims due rows and
hands them to the providers (``providers/``) through ``failover``, within ``limits``.
"""
