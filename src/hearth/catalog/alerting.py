"""The platform's alerting and dashboards (``platform.yaml``'s ``alerts``, ``alert_routing`` and ``dashboards``):
the alerts the seed promises, how Alertmanager routes them by severity, and the Grafana dashboards to provision.

Models here check the shape of one value; rules between values are in ``hearth.catalog.checks``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from hearth.catalog.fields import Name, Strict


class AlertRule(Strict):
    """An alert the seed promises, as data; render turns it into a PrometheusRule."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """the alert's name (PromQL identifier)."""
    severity: Literal["critical", "warning", "info"]
    """critical, warning or info; alert_routing routes by it."""
    expr: str
    """the PromQL expression that fires the alert."""
    for_: str = Field(alias="for", pattern=r"^[0-9]+[smhd]$")
    """how long the expression must hold before the alert fires (written for:, e.g. 5m)."""
    summary: str
    """the alert's one-line summary annotation."""
    runbook: str = Field(default="", description="what the person paged does first: the alert's runbook annotation")
    source: str = Field(default="seed", description="who asks for the alert: the seed, or hearth (with why)")


Duration = Annotated[str, Field(pattern=r"^[0-9]+[smh]$")]


class SeverityRoute(Strict):
    """How Alertmanager groups and repeats one severity's notifications, and the Slack channel they go to."""

    severity: Literal["critical", "warning", "info"]
    """the severity this route is for."""
    channel: str = Field(pattern=r"^#[a-z0-9_-]+$")
    """the Slack channel, e.g. #alerts-critical."""
    group_wait: Duration
    """how long to wait to group the first notification."""
    group_interval: Duration
    """how long to wait before notifying of new alerts in a group."""
    repeat_interval: Duration
    """how often a still-firing alert is sent again."""


class Dashboard(Strict):
    """A Grafana dashboard from grafana.com, pinned by its ID and revision, and the data source it reads."""

    name: Name
    """a short name for the dashboard (its file name)."""
    title: str
    """the dashboard's title."""
    gnet_id: int = Field(gt=0)
    """its ID on grafana.com/grafana/dashboards."""
    revision: int = Field(gt=0)
    """the pinned revision of that dashboard."""
    datasource: str
    """the Grafana data source it reads (e.g. Prometheus)."""


class AlertRouting(Strict):
    """Alertmanager's routing: severities to Slack, with the webhook URL in a file Vault's agent writes."""

    group_by: list[str] = Field(min_length=1)
    """labels Alertmanager groups notifications by."""
    webhook_secret: str = Field(description="Vault KV path (mount/path#key) of the Slack webhook URL")
    routes: list[SeverityRoute] = Field(min_length=1)
    """one route per severity."""

    @field_validator("routes")
    @classmethod
    def _one_route_per_severity(cls, routes: list[SeverityRoute]) -> list[SeverityRoute]:
        names = [r.severity for r in routes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"severity {dup[0]} is routed twice")
        return routes
