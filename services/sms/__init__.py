"""Sending SMS: templates, backends (console, file, aliyun, tencent) and delivery receipts.

Plain Python with no Flask: the caller passes its settings as a dict, e.g.
``get_backend(config["SMS_BACKEND"], config).send(Message(key, to, template, params))``.
"""

from . import aliyun, console, file, tencent  # noqa: F401  (each registers its backend)
from .base import (
    BACKENDS,
    SEND_STATUSES,
    ConfigurationError,
    Message,
    SendResult,
    SmsBackend,
    SmsError,
    TemplateError,
    get_backend,
    render,
)
from .receipts import Receipt, parse_receipts
from .templates import TEMPLATES, Template

__all__ = [
    "BACKENDS", "SEND_STATUSES", "TEMPLATES", "ConfigurationError", "Message", "Receipt",
    "SendResult", "SmsBackend", "SmsError", "Template", "TemplateError", "get_backend",
    "parse_receipts", "render",
]
