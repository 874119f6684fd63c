"""The records of zero trust: flows, the findings about them, and the intent read from the manifests."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Flow", "FlowFinding", "Intent", "Unresolved"]


@dataclass(frozen=True, order=True)
class Flow:
    """A connection: ``src`` may open ``port/protocol`` on ``dst``."""

    src: str
    dst: str
    port: int
    protocol: str

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.port}/{self.protocol}"


@dataclass(frozen=True)
class FlowFinding:
    """An extra or missing flow, with why it is intended (if it is) and which policy side decides it."""

    flow: Flow
    reasons: tuple[str, ...]
    cause: str

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape: from, to, port, protocol, reasons, cause."""
        return {
            "from": self.flow.src,
            "to": self.flow.dst,
            "port": self.flow.port,
            "protocol": self.flow.protocol,
            "reasons": list(self.reasons),
            "cause": self.cause,
        }


@dataclass(frozen=True, order=True)
class Unresolved:
    """Intent that could not be resolved to pods and ports: where it was stated and what is wrong."""

    source: str
    statement: str
    problem: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"source": self.source, "statement": self.statement, "problem": self.problem}


@dataclass
class Intent:
    """Intended flows with their reasons, plus what could not be resolved and notes on unread intent."""

    flows: dict[Flow, set[str]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, flow: Flow, reason: str) -> None:
        """Record an intended flow (self-connections are dropped)."""
        if flow.src != flow.dst:
            self.flows.setdefault(flow, set()).add(reason)
