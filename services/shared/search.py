"""The name / external-id search that every registry list offers."""

from sqlalchemy import or_


def name_or_external_id(model, text: str):
    """Name containing ``text`` (``%`` and ``_`` are plain letters here), or the exact
    external id (the county's own number)."""
    return or_(model.name.contains(text, autoescape=True), model.external_id == text)
