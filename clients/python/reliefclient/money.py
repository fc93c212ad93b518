"""Money as integer fen (分), shown as yuan (元). Never a float.

>>> format_yuan(123456)
'1,234.56'
>>> format_yuan(-5)
'-0.05'
>>> parse_yuan("1,234.56")
123456
"""

from __future__ import annotations

import re

__all__ = ["format_yuan", "parse_yuan"]

_YUAN = re.compile(r"^(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")


def format_yuan(fen: int) -> str:
    """fen → "1,234.56": thousands separated by commas, always two decimals.

    Raises TypeError for anything but an int (a float, a Decimal, a bool):
    amounts are exact integers of fen everywhere in the ledger.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(
            f"an amount in fen must be an int, not {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """ "1,234.56" (or "1234.5", "12") → fen as an int, exactly.

    Commas must group thousands correctly; at most two decimals. Raises
    ValueError otherwise.
    """
    match = _YUAN.match(text.strip())
    if not match:
        raise ValueError(f"not an amount in yuan: {text!r}")
    negative, whole, decimals = match.groups()
    fen = int(whole.replace(",", "")) * 100 + int((decimals or "").ljust(2, "0"))
    return -fen if negative else fen
