"""File backend (tests, benchmarks, demos): one JSON line per accepted message.

Rules:
- Each line has key, to, template, params, text and sent_at (UTC, ISO 8601).
- Lines are written under an exclusive flock and fsync'd before "sent" is returned, so
  two processes never interleave and an accepted message is on disk.
- If an earlier writer crashed mid-line, the next one starts on a fresh line, so the torn
  line stays alone (readers skip lines that are not JSON) and never spoils a good one.
"""

import fcntl
import json
import os
from datetime import UTC, datetime

from .base import (
    ConfigurationError,
    Message,
    SendResult,
    SmsBackend,
    TemplateError,
    register,
    render,
    template_params,
)


@register
class FileBackend(SmsBackend):
    name = "file"

    def __init__(self, settings: dict):
        super().__init__(settings)
        self.path = settings.get("SMS_FILE")
        if not self.path:
            raise ConfigurationError("SMS backend 'file' needs SMS_FILE")

    def send(self, message: Message) -> SendResult:
        try:
            record = {"key": message.key, "to": message.to, "template": message.template,
                      "params": template_params(message),
                      "text": render(message, self.sign_name, self.texts),
                      "sent_at": datetime.now(UTC).isoformat()}
        except TemplateError as exc:
            return SendResult("failed", error=f"invalid_message: {exc}")
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self._append(line)
        except OSError as exc:
            # The line may or may not be on disk: same rule as a provider's read timeout.
            return SendResult("unknown", error=f"file_error:{type(exc).__name__}")
        return SendResult("sent", provider_message_id=f"file-{message.key}")

    def _append(self, line: bytes) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        # "a+b": writes always go to the end (O_APPEND), and the last byte can be read back.
        with open(self.path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if fh.seek(0, os.SEEK_END) > 0:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        line = b"\n" + line
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
