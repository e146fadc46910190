"""Names shown where less is more (volunteer pages, SMS)."""


def given_name(full_name: str) -> str:
    """The given name (名) of a Chinese name: without the one-character surname."""
    return full_name[1:] if len(full_name) >= 2 else full_name

