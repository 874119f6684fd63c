"""How a component is installed (``install``): rendered by hearth, or from a pinned upstream chart with the pods
it creates and the values it is given.

Models here check the shape of one value; rules between values are in ``hearth.catalog.checks``.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import Name, PortName, PortNumber, Strict
from hearth.catalog.workload import Metrics, Resources


class ChartRef(Strict):
    """A pinned upstream Helm chart."""

    repo: str
    """the chart repository URL (https:// or oci://)."""
    name: str
    """the chart's name."""
    version: str
    """the pinned chart version."""


class ChartPod(Strict):
    """A pod an upstream chart creates, with the labels its templates apply (so policies can select it)."""

    name: Name
    """the pod's name (its workload's name in the chart)."""
    labels: dict[str, str] = Field(min_length=1)
    """the labels the chart's templates give its pods."""
    ports: list[PortName] = []
    """its ports, by the names of the component's ports."""
    kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment"
    """the workload kind the chart uses for it."""
    replicas: int = Field(default=1, ge=0)
    """how many pods of it the chart runs with the values given."""
    resources: Resources | None = None
    """its requests and limits, as the values set them."""
    service: Name | None = Field(default=None, description="the chart's Service for this pod, if not the default")
    service_ports: dict[PortName, PortNumber] = Field(
        default={}, description="the port the chart's Service exposes for a container port, where the two differ"
    )
    talks_to: list[Name] = Field(default=[], description="pods of the same chart this pod connects to (itself: peers)")
    uses_needs: bool = Field(
        default=True, description="false: the pod opens none of the component's connections to its needs"
    )
    api_access: bool = False
    """it talks to the Kubernetes API (gets egress to the API server)."""
    metrics: Metrics | None = Field(
        default=None, description="where Prometheus scrapes this pod, when not the component's metrics port"
    )
    source: str = ""
    """where its labels and ports come from (the chart's template)."""


class Install(Strict):
    """How the component is installed: rendered by hearth, or from a pinned upstream chart."""

    method: Literal["hearth", "chart"]
    """hearth (rendered by hearth) or chart (a pinned upstream chart)."""
    reason: str
    """why this method."""
    chart: ChartRef | None = None
    """the upstream chart, for method chart."""
    pods: list[ChartPod] = []
    """the pods the upstream chart creates, for method chart."""
    values: dict[str, Any] = {}
    """values for the upstream chart (hearth adds its own wiring)."""

    @model_validator(mode="after")
    def _chart_complete(self) -> Install:
        if self.method == "chart" and (self.chart is None or not self.pods):
            raise ValueError("an upstream chart install needs 'chart' and the 'pods' it creates")
        if self.method == "hearth" and (self.chart is not None or self.pods):
            raise ValueError("'chart' and 'pods' belong to method: chart")
        return self
