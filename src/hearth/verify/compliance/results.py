"""Compliance's results: the features, a verdict per workload and per chart, and the section's table of them.

A verdict is ``pass``, ``exception`` (compliant by a stated exception), ``fail``, ``n/a`` (the feature does not
apply) or ``n/m`` (not measurable offline: hidden in an upstream chart). The feature table counts, per feature,
the charts passing among those it applies to, apart for hearth's charts and for upstream companions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rich.table import Table

from hearth.verify.tables import titled_table

__all__ = [
    "EXCEPTION",
    "FAIL",
    "FEATURES",
    "NA",
    "NM",
    "NOT_MEASURABLE",
    "PASS",
    "ChartResult",
    "Compliance",
    "FeatureStatus",
    "WorkloadResult",
]

FEATURES = (
    "networkpolicy",
    "service-account",
    "rbac",
    "service-monitor",
    "pdb",
    "helm-test",
    "run-as-non-root",
    "no-privilege-escalation",
    "drop-all-capabilities",
    "seccomp-runtime-default",
    "read-only-root-filesystem",
    "probes",
    "requests",
    "limits",
)
NOT_MEASURABLE = "not measurable offline (upstream chart)"

PASS, FAIL, EXCEPTION, NA, NM = "pass", "fail", "exception", "n/a", "n/m"


@dataclass(frozen=True)
class FeatureStatus:
    """A feature's verdict for one workload or chart: pass, exception, fail, n/a (does not apply) or n/m."""

    status: str
    detail: str = ""

    @property
    def compliant(self) -> bool:
        """Passing, or departing with a stated exception."""
        return self.status in (PASS, EXCEPTION)

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"status": self.status, "detail": self.detail}


@dataclass
class WorkloadResult:
    """Every feature's verdict for one workload."""

    endpoint: str
    kind: str
    features: dict[str, FeatureStatus]

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "workload": self.endpoint,
            "kind": self.kind,
            "features": {name: self.features[name].to_json() for name in FEATURES},
        }


@dataclass
class ChartResult:
    """A chart's verdicts: aggregated per feature over its workloads, and the workloads themselves."""

    chart: str
    component: str
    upstream: bool
    features: dict[str, FeatureStatus]
    workloads: list[WorkloadResult]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "chart": self.chart,
            "component": self.component,
            "upstream": self.upstream,
            "features": {name: self.features[name].to_json() for name in FEATURES},
            "workloads": [w.to_json() for w in self.workloads],
            "notes": self.notes,
        }


def _ratio(charts: Sequence[ChartResult], feature: str) -> dict[str, object]:
    cells = [c.features[feature] for c in charts]
    if cells and all(cell.status == NM for cell in cells):
        return {"passing": None, "applicable": None, "percent": None, "text": NM}
    applicable = [cell for cell in cells if cell.status not in (NA, NM)]
    passing = sum(1 for cell in applicable if cell.compliant)
    percent = round(100 * passing / len(applicable), 1) if applicable else None
    text = f"{passing}/{len(applicable)} ({percent:g}%)" if percent is not None else "-"
    return {"passing": passing, "applicable": len(applicable), "percent": percent, "text": text}


@dataclass
class Compliance:
    """Section 2 of ``hearth check``: per chart, per workload, and the feature table."""

    charts: list[ChartResult]
    without_workloads: list[str]

    @property
    def hearth_charts(self) -> list[ChartResult]:
        """Charts of components hearth renders (with workloads)."""
        return [c for c in self.charts if not c.upstream]

    @property
    def upstream_charts(self) -> list[ChartResult]:
        """Companion charts of upstream components (with stand-ins)."""
        return [c for c in self.charts if c.upstream]

    def feature_table(self) -> dict[str, dict[str, dict[str, object]]]:
        """``{feature: {"hearth": ratio, "upstream": ratio}}``; a ratio has passing, applicable, percent, text."""
        return {
            feature: {"hearth": _ratio(self.hearth_charts, feature), "upstream": _ratio(self.upstream_charts, feature)}
            for feature in FEATURES
        }

    def lowest_feature(self) -> tuple[str, float] | None:
        """The hearth-chart feature with the lowest percentage (ties: first in FEATURES order)."""
        scored = [
            (feature, float(ratio["hearth"]["percent"]))  # type: ignore[arg-type]
            for feature, ratio in self.feature_table().items()
            if ratio["hearth"]["percent"] is not None
        ]
        return min(scored, key=lambda item: item[1]) if scored else None

    @property
    def failed(self) -> bool:
        """Any measured feature failing on any chart."""
        return any(cell.status == FAIL for chart in self.charts for cell in chart.features.values())

    def summary(self) -> str:
        """One line."""
        failing = sorted({c.chart for c in self.charts if any(f.status == FAIL for f in c.features.values())})
        verdict = "1 chart fails a feature" if len(failing) == 1 else f"{len(failing)} charts fail a feature"
        return (
            f"{len(self.hearth_charts)} hearth charts and {len(self.upstream_charts)} upstream companions with "
            f"workloads; {verdict}"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "features": self.feature_table(),
            "charts": [c.to_json() for c in self.charts],
            "charts_without_workloads": self.without_workloads,
        }

    def tables(self) -> Iterator[Table]:
        """The feature table, then one row per chart with a mark per feature."""
        figures = ("hearth charts", "upstream companions")
        table = titled_table(
            "Compliance per feature (charts passing / charts it applies to)", ("Feature", *figures), figures
        )
        for feature, ratio in self.feature_table().items():
            upstream = str(ratio["upstream"]["text"])
            table.add_row(feature, str(ratio["hearth"]["text"]), NOT_MEASURABLE if upstream == NM else upstream)
        yield table
        marks = {
            PASS: "[green]ok[/green]",
            EXCEPTION: "[yellow]exc[/yellow]",
            FAIL: "[red]FAIL[/red]",
            NA: "-",
            NM: "n/m",
        }
        grid = Table(
            title="Compliance per chart (exc: compliant by stated exception; n/m: not measurable)", title_justify="left"
        )
        grid.add_column("Chart")
        for index, _ in enumerate(FEATURES, 1):
            grid.add_column(str(index), justify="center")
        for chart in self.charts:
            grid.add_row(chart.chart, *(marks[chart.features[f].status] for f in FEATURES))
        grid.caption = "  ".join(f"{i}={f}" for i, f in enumerate(FEATURES, 1))
        yield grid
        failures = titled_table("Compliance failures", ("Workload", "Feature", "Detail"))
        for chart in self.charts:
            for workload in chart.workloads:
                for feature in FEATURES:
                    cell = workload.features[feature]
                    if cell.status == FAIL:
                        failures.add_row(workload.endpoint, feature, cell.detail)
            if chart.features["helm-test"].status == FAIL:
                failures.add_row(chart.chart, "helm-test", chart.features["helm-test"].detail)
            if chart.features["networkpolicy"].status == FAIL and not any(
                w.features["networkpolicy"].status == FAIL for w in chart.workloads
            ):
                failures.add_row(chart.chart, "networkpolicy", chart.features["networkpolicy"].detail)
        if failures.row_count:
            yield failures
