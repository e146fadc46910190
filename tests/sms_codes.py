"""Reading one-time codes the way a person does: from the SMS the file backend wrote."""

import json
from pathlib import Path


def sent_codes(app, phone: str) -> list[str]:
    """Every verification code sent to ``phone`` (E.164), oldest first."""
    path = Path(app.config["SMS_FILE"])
    if not path.exists():
        return []
    codes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("template") == "verification_code" and record.get("to") == phone:
            codes.append(record["params"]["code"])
    return codes


def last_code(app, phone: str) -> str:
    codes = sent_codes(app, phone)
    assert codes, f"no code was sent to {phone[:6]}…"
    return codes[-1]


def wrong(code: str) -> str:
    """A code that is certainly not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
