"""Errors a service raises for a person to read and fix."""


class DomainError(Exception):
    """A rule was broken; ``message`` says what to fix (an English message id)."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The record does not exist or is outside the user's scope (shown as 404)."""

    def __init__(self, message: str = "Not found"):
        super().__init__(message)
