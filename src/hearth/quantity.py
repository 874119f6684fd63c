"""Kubernetes resource quantities: parsing CPU and memory strings into numbers.

Both the catalog (to validate what a user wrote) and the auditor (to read rendered manifests) need this,
so it lives outside either of them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity."""


def parse_quantity(text: str | int | float) -> Decimal:
    """Return the value of a Kubernetes quantity (``"250m"``, ``"8Gi"``, ``2``) as a Decimal.

    Raises QuantityError on anything the API server would reject, so bad catalog input fails early.
    """
    raw = str(text).strip()
    match = _QUANTITY.match(raw)
    if match is None:
        raise QuantityError(f"{raw!r} is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 8Gi)")
    number, suffix = match.group(1), match.group(2) or ""
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise QuantityError(f"{raw!r} is not a number") from exc
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    return value * _DECIMAL[suffix]


def millicores(text: str | int | float) -> int:
    """CPU quantity in millicores (``"1"`` -> 1000, ``"250m"`` -> 250)."""
    return int((parse_quantity(text) * 1000).to_integral_value())


def byte_count(text: str | int | float) -> int:
    """Memory or storage quantity in bytes (``"1Gi"`` -> 1073741824)."""
    return int(parse_quantity(text).to_integral_value())


def format_bytes(value: int) -> str:
    """Render a byte count in the largest binary unit that keeps one decimal, for reports."""
    for unit, size in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value}B"
