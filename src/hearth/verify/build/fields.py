"""Lenient readers of manifest fields, for the auditor's model of a build.

The auditor reports on what the build holds, so a malformed field reads as empty rather than failing: a mapping
that is not one is ``{}``, a list that is not one is ``[]``, a quantity that does not parse is 0. (The
reachability model is strict instead, see :mod:`hearth.verify.reach.parse`: there a malformed field would change
the answer.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hearth.quantity import QuantityError, byte_count, millicores

__all__ = [
    "api_version",
    "as_list",
    "as_mapping",
    "as_strings",
    "byte_amount",
    "millicore_amount",
    "name_of",
    "namespace_of",
    "selector_matches",
]


def as_mapping(value: object) -> dict[str, Any]:
    """``value`` if it is a mapping, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` if it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def as_strings(value: object) -> dict[str, str]:
    """A mapping's entries as strings (labels, annotations), entries whose value is null left out."""
    return {str(k): str(v) for k, v in as_mapping(value).items() if v is not None}


def byte_amount(value: object) -> int:
    """A memory or storage quantity in bytes; absent or unparsable counts 0."""
    return _amount(value, byte_count)


def millicore_amount(value: object) -> int:
    """A cpu quantity in millicores; absent or unparsable counts 0."""
    return _amount(value, millicores)


def _amount(value: object, parse: Callable[[str], int]) -> int:
    if value is None:
        return 0
    try:
        return parse(str(value))
    except QuantityError:
        return 0


def api_version(obj: Mapping[str, Any]) -> str:
    """An object's ``apiVersion`` as written (``""`` when absent), for prefix tests on its group."""
    return str(obj.get("apiVersion", ""))


def namespace_of(obj: Mapping[str, Any]) -> str:
    """An object's ``metadata.namespace``, ``default`` when absent."""
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def name_of(obj: Mapping[str, Any]) -> str:
    """An object's ``metadata.name``, ``""`` when absent."""
    return str((obj.get("metadata") or {}).get("name", ""))


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Does a LabelSelector (``matchLabels`` and ``matchExpressions``) match ``labels``? ``{}`` matches all."""
    if selector is None:
        return False
    for key, value in as_mapping(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_mapping(expr)
        key, op = str(expr.get("key", "")), expr.get("operator")
        values = {str(v) for v in as_list(expr.get("values"))}
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def pod_metrics_port(endpoint: Mapping[str, Any]) -> object | None:
    """The port a PodMonitor endpoint scrapes: ``port`` (a name), else ``portNumber``, else the deprecated
    ``targetPort``, in the precedence prometheus-operator gives them (PodMetricsEndpoint, v0.79 and later)."""
    return next((endpoint[k] for k in ("port", "portNumber", "targetPort") if endpoint.get(k) is not None), None)
