"""Field types every part of the catalog shares: names, port names, quantities, cron schedules, and the small
models (``Port``, ``Image``, ``ResourceAmounts``) both the platform and its components are made of.

A field type checks one value on its own; rules that relate two values live in ``hearth.catalog.checks``.
"""

from __future__ import annotations

import re
from ipaddress import AddressValueError, IPv4Address, IPv4Network, NetmaskValueError
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hearth.capabilities import CAPABILITIES
from hearth.catalog.cron import CronError, parse_schedule
from hearth.quantity import QuantityError, parse_quantity

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _dns1123(value: str) -> str:
    if len(value) > 63 or not _DNS1123.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 label (lowercase letters, digits, '-', at most 63)")
    return value


def _port_name(value: str) -> str:
    if len(value) > 15 or not _PORT_NAME.match(value) or not re.search("[a-z]", value):
        raise ValueError(f"{value!r} is not a valid port name (IANA_SVC_NAME: at most 15 lowercase characters)")
    return value


def _quantity(value: str) -> str:
    try:
        amount = parse_quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from exc
    if amount < 0:  # the API server refuses negative requests, limits and capacities
        raise ValueError(f"{value!r} is negative; a resource quantity is zero or more")
    return value


def _threshold(value: str) -> str:
    text = str(value)
    if text.endswith("%"):
        number = text[:-1]
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", number) or float(number) > 100:
            raise ValueError(f"{text!r} is not a percentage between 0% and 100%")
        return text
    return _quantity(text)


def _cron(value: str) -> str:
    try:
        parse_schedule(value)
    except CronError as exc:
        raise ValueError(str(exc)) from exc
    return value


def _ipv4_address(value: Any) -> Any:
    # Strict models take no text for an address; this takes text and only text (an integer is no address).
    if isinstance(value, IPv4Address):
        return value
    if not isinstance(value, str):
        raise ValueError("Input should be an IPv4 address written as text, e.g. 192.168.1.10")
    try:
        return IPv4Address(value)
    except AddressValueError as exc:
        raise ValueError("Input is not a valid IPv4 address") from exc


def _ipv4_network(value: Any) -> Any:
    if isinstance(value, IPv4Network):
        return value
    if not isinstance(value, str):
        raise ValueError("Input should be an IPv4 network written as text, e.g. 10.0.0.0/16")
    try:
        return IPv4Network(value)
    except (AddressValueError, NetmaskValueError, ValueError) as exc:
        raise ValueError("Input is not a valid IPv4 network") from exc


Address = Annotated[IPv4Address, BeforeValidator(_ipv4_address)]
Network = Annotated[IPv4Network, BeforeValidator(_ipv4_network)]
Name = Annotated[str, AfterValidator(_dns1123)]
PortName = Annotated[str, AfterValidator(_port_name)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Cron = Annotated[str, AfterValidator(_cron)]
Threshold = Annotated[str, AfterValidator(_threshold)]
Protocol = Literal["TCP", "UDP", "SCTP"]
PortNumber = Annotated[int, Field(ge=1, le=65535)]
Retention = Annotated[str, Field(pattern=r"^[0-9]+[hdwmy]( [0-9]+[hdwmy])*$")]


def _capability(value: str) -> str:
    if value not in CAPABILITIES:
        raise ValueError(f"unknown capability {value!r}; known: {', '.join(sorted(CAPABILITIES))}")
    return value


# Validated against the one capability table, so a new capability is a row there and nothing here.
Capability = Annotated[str, AfterValidator(_capability)]


class Strict(BaseModel):
    """Base for catalog models: unknown keys are errors, loaded values are immutable, and nothing is coerced (a
    boolean is not a number, a number is not text: ``port: true`` is an error, never port 1). The string under a
    field documents it; ``catalog.docstrings.describe`` reads it for the reference, not every import."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Port(Strict):
    """A port a component's (or a system pod's) containers listen on."""

    name: PortName
    """the port's name (IANA service name), by which everything else refers to it."""
    port: PortNumber
    """the port number the container listens on."""
    protocol: Protocol = "TCP"
    """TCP, UDP or SCTP."""


class Image(Strict):
    """Container image; the tag is pinned, never ``latest``."""

    repository: str
    """the image repository (registry/path, e.g. quay.io/minio/minio)."""
    tag: str
    """the pinned tag (never latest)."""

    @model_validator(mode="after")
    def _pinned(self) -> Image:
        if self.tag in ("latest", ""):
            raise ValueError("tag must be pinned (not 'latest')")
        return self


class ResourceAmounts(Strict):
    """CPU and memory, as Kubernetes quantities."""

    cpu: Quantity
    """CPU as a Kubernetes quantity (e.g. 250m, 1)."""
    memory: Quantity
    """memory as a Kubernetes quantity (e.g. 512Mi, 2Gi)."""
