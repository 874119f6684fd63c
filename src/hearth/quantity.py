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
# The grammar of k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity): a signed number ("1", "1.",
# ".5", "+2", "-1") and one suffix: binary SI, decimal SI or a decimal exponent ("1e3", "2E-2"). Nothing else: no
# space, no empty string, no unit such as "MB" or "GiB".
_QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]{1,3}))?$"
)


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity."""


def parse_quantity(text: str | int | float) -> Decimal:
    """Return the value of a Kubernetes quantity (``"250m"``, ``"8Gi"``, ``"1e3"``, ``2``) as a Decimal.

    The one parser of quantities for the catalog and the auditor: it accepts what the API server's ParseQuantity
    accepts and raises QuantityError on everything else (a boolean is not a quantity, nor is ``" 1"``).
    """
    if isinstance(text, bool):
        raise QuantityError(f"{text!r} is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 8Gi)")
    raw = str(text)
    match = _QUANTITY.match(raw) if len(raw) <= 64 else None
    if match is None:
        raise QuantityError(f"{raw!r} is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 8Gi)")
    number, suffix, exponent = match.group(1), match.group(2) or "", match.group(3)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise QuantityError(f"{raw!r} is not a number") from exc
    if exponent is not None:
        return value.scaleb(int(exponent))
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
