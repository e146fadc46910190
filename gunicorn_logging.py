"""Gunicorn's access log without secrets (``--logger-class gunicorn_logging.RedactingLogger``).

The SMS providers cannot sign their callbacks or send a header, so the shared
``SMS_CALLBACK_TOKEN`` travels in the query string (``?token=``), and a feedback link's
token is part of its path (``/f/<token>``). Both are replaced by ``***`` in every logged
request line, path, query string and referrer.
"""

import re

from gunicorn.glogging import Logger

_SECRET_QUERY = re.compile(r"((?:^|[?&])(?:token|signature)=)[^&\s\"]*", re.IGNORECASE)
_LINK_TOKEN = re.compile(r"(/f/)[^/?\s\"]+")
MASK = "***"


def redact(text):
    """``text`` with callback tokens and feedback-link tokens masked."""
    if not isinstance(text, str):
        return text
    return _LINK_TOKEN.sub(rf"\g<1>{MASK}", _SECRET_QUERY.sub(rf"\g<1>{MASK}", text))


class RedactingLogger(Logger):
    """Gunicorn's logger, with every text atom of the access log redacted."""

    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) for key, value in
                super().atoms(resp, req, environ, request_time).items()}
