"""Safe cells for CSV/XLSX exports: no formula injection (CWE-1236)."""

#: A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    A leading byte-order mark is looked through, since it hides the first character.
    Numbers are left alone (a negative number is not a formula).
    """
    if not isinstance(value, str) or not value:
        return value
    body = value.lstrip("\ufeff")
    if body.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
