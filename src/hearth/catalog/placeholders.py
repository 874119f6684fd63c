"""Placeholders in a component's configuration, so each platform fact is stated once.

A component file writes ``${domain}`` where its application must be told the platform's domain (its public URL,
trusted hosts, cookie domain): the build puts ``platform.domain`` there. A user who sets their own domain gets
applications configured for it, not for the seed's. ``${pod_cidr}`` is ``platform.pod_cidr``, for what must trust
(or name) the pod network, e.g. the routers that accept a PROXY protocol header only from the tunnel connector's pod.
A placeholder may also stand in a mapping's key (an application setting keyed by network, e.g. Stalwart's maps).

Where an application must be told where a provider it needs listens, it writes ``${<capability>.host}`` and
``${<capability>.port}`` (the provider's in-cluster Service name and port, e.g. ``${postgres.host}``), and
``${<capability>.database}`` for the name its grant gives it (its database, user, bucket or vhost). Those are
known only for a capability one of its needs provides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
KNOWN = ("domain", "pod_cidr")
PROVIDER_FIELDS = ("host", "port", "database")


def provider_placeholder(name: str) -> tuple[str, str] | None:
    """``(capability, field)`` of a ``<capability>.<field>`` placeholder, None for any other name."""
    capability, dot, field = name.rpartition(".")
    return (capability, field) if dot and capability and field in PROVIDER_FIELDS else None


def placeholders(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every ``${name}`` in a dumped component (in a string or a mapping's key), with the path of the string."""
    if isinstance(data, str):
        for match in PLACEHOLDER.finditer(data):
            yield path, match.group(1)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield from placeholders(key, (*path, key))
            yield from placeholders(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from placeholders(value, (*path, index))


def substitute(data: Any, values: dict[str, str]) -> Any:
    """``data`` with every known placeholder replaced by its value (unknown ones are refused when loading)."""
    if isinstance(data, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), data)
    if isinstance(data, dict):
        return {substitute(key, values): substitute(value, values) for key, value in data.items()}
    if isinstance(data, list):
        return [substitute(value, values) for value in data]
    return data
