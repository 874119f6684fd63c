"""The records of the reachability matrix, and the parsing of ``hearth reach``'s command-line input.

An :class:`Endpoint` is a pod (``namespace/name``) or an outside IP; a :class:`Probe` is a port and protocol a
connection is attempted on; a :class:`Connection` is one row of the matrix.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "PORT_NUMBER",
    "PROTOCOLS",
    "Connection",
    "ContainerPort",
    "Endpoint",
    "Probe",
    "ReachInputError",
    "parse_peer_ip",
    "parse_port_spec",
]

PROTOCOLS = ("TCP", "UDP", "SCTP")
PORT_NUMBER = re.compile(r"[0-9]+")  # a port written as digits (PORT_NUMBER.fullmatch)


class ReachInputError(ValueError):
    """Bad command-line input (port spec, peer IP, endpoint name); ``str()`` is one line."""


class Probe(NamedTuple):
    """A destination port and protocol that a connection is attempted on (a tuple: cheap to hash)."""

    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class ContainerPort:
    """A port a pod's container declares: number, protocol and optional name."""

    number: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class Endpoint:
    """A pod (``ns/name``) or an outside IP (``namespace`` is None, ``kind`` is ``"External"``)."""

    name: str
    kind: str
    namespace: str | None
    labels: Mapping[str, str]
    ips: tuple[str, ...]
    ports: tuple[ContainerPort, ...]


@dataclass(frozen=True, slots=True)
class Connection:
    """One row of the matrix: may ``src`` open ``port/protocol`` on ``dst``."""

    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of one row (``from``/``to`` keys), for :meth:`ReachResult.to_json`."""
        return {
            "from": self.src,
            "to": self.dst,
            "port": self.port,
            "protocol": self.protocol,
            "allowed": self.allowed,
        }


# --------------------------------------------------------------------------- input parsing


def parse_port_spec(spec: str) -> Probe:
    """Parse ``PORT[/PROTO]`` (``5432/TCP``, ``53/udp``, ``80``) into a :class:`Probe`; TCP by default."""
    number, slash, proto = spec.strip().partition("/")
    protocol = proto.upper() if slash else "TCP"
    if protocol not in PROTOCOLS:
        raise ReachInputError(f"port {spec!r}: protocol must be one of {', '.join(PROTOCOLS)}")
    if not PORT_NUMBER.fullmatch(number) or not 1 <= int(number) <= 65535:
        raise ReachInputError(f"port {spec!r}: expected PORT[/PROTO] with PORT in 1-65535")
    return Probe(int(number), protocol)


def parse_peer_ip(text: str) -> str:
    """Validate an outside peer's IPv4/IPv6 address and return its canonical spelling."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ReachInputError(f"peer IP {text!r}: not an IPv4 or IPv6 address") from None
