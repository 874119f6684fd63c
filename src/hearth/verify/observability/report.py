"""The observability section's records: per component (scraped, alerted, logs collected), per backup (alerted)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.table import Table

from hearth.verify.tables import titled_table

__all__ = ["BackupAlerts", "ComponentSignals", "Observability"]


@dataclass
class ComponentSignals:
    """What the build does with one component's signals.

    ``metrics``: a pod declares a metrics-named port, a monitor selects one, or the chart's own monitor scrapes it.
    ``scraped``: the monitors (``kind name -> pod:port``) that select one of its pods on a port the pod declares
    and that a metrics scraper may reach; ``chart`` when the upstream chart's own monitor does it (not in the build).
    ``alerts``: alert rules naming the component (``component`` label) or one of its scrape jobs.
    ``logs``: "" when every node its pods may run on has a log collector that reaches its store, else why not.
    """

    component: str
    metrics: bool
    scraped: list[str] = field(default_factory=list)
    by_chart: bool = False
    unscraped: str = ""
    alerts: list[str] = field(default_factory=list)
    logs: str = ""

    @property
    def is_scraped(self) -> bool:
        """Scraped by a monitor of the build, or by the upstream chart's own."""
        return bool(self.scraped) or self.by_chart

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "component": self.component,
            "metrics": self.metrics,
            "scraped": self.scraped,
            "scraped_by_chart": self.by_chart,
            "unscraped": self.unscraped,
            "alerts": self.alerts,
            "logs_collected": not self.logs,
            "logs": self.logs,
        }


@dataclass
class BackupAlerts:
    """A Velero Schedule or dump CronJob and the alert rules that watch it by name."""

    kind: str
    name: str
    alerts: list[str]

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {"kind": self.kind, "name": self.name, "alerts": self.alerts}


@dataclass
class Observability:
    """Section 7 of ``hearth check``: fails when a component with metrics is not scraped."""

    components: list[ComponentSignals] = field(default_factory=list)
    backups: list[BackupAlerts] = field(default_factory=list)
    collectors: list[str] = field(default_factory=list)
    namespaces: dict[str, list[str]] = field(default_factory=dict)
    """Each namespace holding components -> the components whose logs are not collected (empty: all are)."""
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A component with metrics that nothing scrapes."""
        return any(c.metrics and not c.is_scraped for c in self.components)

    @property
    def warnings(self) -> list[str]:
        """Metrics without an alert, logs not collected, backups nobody is alerted about."""
        out = [f"{c.component}: has metrics but no alert" for c in self.components if c.metrics and not c.alerts]
        out += [f"{c.component}: logs not collected ({c.logs})" for c in self.components if c.logs]
        out += [f"{b.kind} {b.name}: no alert watches it" for b in self.backups if not b.alerts]
        return out

    def summary(self) -> str:
        """One line."""
        with_metrics = [c for c in self.components if c.metrics]
        scraped = sum(1 for c in with_metrics if c.is_scraped)
        alerted = sum(1 for c in with_metrics if c.alerts)
        logged = sum(1 for c in self.components if not c.logs)
        watched = sum(1 for b in self.backups if b.alerts)
        return (
            f"{len(self.components)} components with pods: {scraped}/{len(with_metrics)} with metrics scraped, "
            f"{alerted}/{len(with_metrics)} alerted, logs of {logged}/{len(self.components)} collected "
            f"({sum(1 for m in self.namespaces.values() if not m)}/{len(self.namespaces)} namespaces); "
            f"{watched}/{len(self.backups)} backups alerted"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "collectors": self.collectors,
            "namespaces": {
                ns: {"collected": not missing, "missing": missing} for ns, missing in self.namespaces.items()
            },
            "components": [c.to_json() for c in self.components],
            "backups": [b.to_json() for b in self.backups],
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """One row per component, then one per backup."""
        table = titled_table(
            "Signals per component (monitors, alert rules, log collection)",
            ("Component", "Metrics", "Scraped", "Alerts", "Logs"),
        )
        for c in self.components:
            if c.scraped:
                scraped = f"[green]{len(c.scraped)} target(s)[/green]"
            elif c.by_chart:
                scraped = "chart's own monitor"
            else:
                scraped = f"[red]no: {c.unscraped}[/red]" if c.metrics else "-"
            alerts = str(len(c.alerts)) if c.alerts else ("[yellow]none[/yellow]" if c.metrics else "-")
            logs = "[green]collected[/green]" if not c.logs else f"[yellow]{c.logs}[/yellow]"
            table.add_row(c.component, "yes" if c.metrics else "no", scraped, alerts, logs)
        yield table
        backups = titled_table("Backups and the alerts that watch them", ("Backup", "Alerts"))
        for b in self.backups:
            backups.add_row(f"{b.kind} {b.name}", ", ".join(b.alerts) or "[yellow]none[/yellow]")
        yield backups
