"""What a component's pods run with: requests and limits, the persistent volume, the health check, where
Prometheus scrapes it, and further containers (sidecars).

Models here check the shape of one value; rules between values are in ``hearth.catalog.checks``.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import Image, Name, PortName, Quantity, ResourceAmounts, Strict
from hearth.quantity import parse_quantity


class Health(Strict):
    """How to tell the component is healthy: an HTTP endpoint, a TCP connect or the protocol's own check."""

    kind: Literal["http", "tcp", "exec"]
    """http (GET a path), tcp (connect) or exec (run a command)."""
    port: PortName | None = None
    """the port (by name) to probe, for http and tcp."""
    path: str | None = None
    """the HTTP path to GET, for http."""
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    """HTTP or HTTPS, for http."""
    command: list[str] = []
    """the command to run in the container, for exec."""

    @model_validator(mode="after")
    def _complete(self) -> Health:
        if self.kind == "http" and (self.port is None or not (self.path or "").startswith("/")):
            raise ValueError("an http health check needs a port and a path starting with '/'")
        if self.kind == "tcp" and self.port is None:
            raise ValueError("a tcp health check needs a port")
        if self.kind == "exec" and not self.command:
            raise ValueError("an exec health check needs a command")
        return self


class Metrics(Strict):
    """Where Prometheus scrapes the component, or one pod of its upstream chart (``install.pods[].metrics``).

    A component's ``metrics`` is scraped on the first pod that carries its port; any other pod of an upstream
    chart that serves metrics states its own, so that nothing is scraped on a port that does not serve them.
    """

    port: PortName
    """the port (by name) that serves metrics."""
    path: str = "/metrics"
    """the HTTP path of the metrics."""
    scraped_by: Literal["hearth", "chart"] = Field(
        default="hearth",
        description="chart: the upstream chart's own monitor scrapes it (stated where it cannot be switched off)",
    )


class Storage(Strict):
    """The component's persistent volume."""

    size: Quantity
    """the volume's size, as a quantity (e.g. 10Gi)."""
    mount_path: str = Field(pattern=r"^/")
    """where it is mounted in the container."""


class Resources(Strict):
    """Requests (what the scheduler reserves) and limits (the ceiling)."""

    requests: ResourceAmounts
    """what the scheduler reserves for the container."""
    limits: ResourceAmounts
    """the ceiling the container may use."""

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        if parse_quantity(self.limits.cpu) < parse_quantity(self.requests.cpu):
            raise ValueError("limits.cpu is below requests.cpu")
        if parse_quantity(self.limits.memory) < parse_quantity(self.requests.memory):
            raise ValueError("limits.memory is below requests.memory")
        return self


class Sidecar(Strict):
    """A further container in the component's pod: an exporter, or one service of a multi-service app.

    ``health`` is probed like the main container's (liveness, readiness and startup probes); its port must be one
    of the sidecar's own ports, since a probe's named port is looked up on the probed container.
    """

    name: Name
    """the container's name."""
    image: Image
    """its image."""
    purpose: str
    """what it is for."""
    ports: list[PortName] = []
    """its ports, by the names of the component's ports."""
    resources: Resources
    """its requests and limits."""
    args: list[str] = []
    """its arguments."""
    env: dict[str, str] = {}
    """its environment variables."""
    health: Health | None = None
    """how it is probed (its port must be one of its own)."""
