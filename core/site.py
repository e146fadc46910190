"""The site's public address, for links in text messages (``SITE_URL``, set by create_app)."""

_public_url = ""


def configure(url: str) -> None:
    global _public_url
    _public_url = (url or "").rstrip("/")


def public_link(path: str) -> str:
    """An absolute link to ``path`` on the public site."""
    return f"{_public_url}{path}"
