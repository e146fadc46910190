"""SMS providers: the backends (console, file, aliyun, tencent) behind one interface.

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

__all__ = [
    "BACKENDS", "SEND_STATUSES", "ConfigurationError", "Message", "SendResult", "SmsBackend",
    "SmsError", "TemplateError", "get_backend", "render",
]
