"""Field types every part of the catalog shares: names, port names, quantities, cron schedules, and the small
models (``Port``, ``Image``, ``ResourceAmounts``) both the platform and its components are made of.

A field type checks one value on its own; rules that relate two values live in ``hearth.catalog.checks``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hearth.quantity import QuantityError, parse_quantity

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?]+$")


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
        parse_quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from exc
    return str(value)


def _threshold(value: str) -> str:
    text = str(value)
    if text.endswith("%"):
        number = text[:-1]
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", number) or float(number) > 100:
            raise ValueError(f"{text!r} is not a percentage between 0% and 100%")
        return text
    return _quantity(text)


def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ValueError(f"{value!r} is not a five-field cron schedule")
    return value


Name = Annotated[str, AfterValidator(_dns1123)]
PortName = Annotated[str, AfterValidator(_port_name)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Cron = Annotated[str, AfterValidator(_cron)]
Threshold = Annotated[str, AfterValidator(_threshold)]
Protocol = Literal["TCP", "UDP", "SCTP"]
PortNumber = Annotated[int, Field(ge=1, le=65535)]
Retention = Annotated[str, Field(pattern=r"^[0-9]+[hdwmy]( [0-9]+[hdwmy])*$")]

Capability = Literal[
    "namespaces",
    "ingress",
    "service-mesh",
    "secrets",
    "certificates",
    "oidc",
    "metrics",
    "logs",
    "postgres",
    "mysql",
    "mongodb",
    "redis",
    "s3",
    "amqp",
    "clickhouse",
    "container-registry",
    "mail",
]


class Strict(BaseModel):
    """Base for catalog models: unknown keys are errors and loaded values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Port(Strict):
    """A port a component's (or a system pod's) containers listen on."""

    name: PortName
    port: PortNumber
    protocol: Protocol = "TCP"


class Image(Strict):
    """Container image; the tag is pinned, never ``latest``."""

    repository: str
    tag: str

    @model_validator(mode="after")
    def _pinned(self) -> Image:
        if self.tag in ("latest", ""):
            raise ValueError("tag must be pinned (not 'latest')")
        return self


class ResourceAmounts(Strict):
    """CPU and memory, as Kubernetes quantities."""

    cpu: Quantity
    memory: Quantity
