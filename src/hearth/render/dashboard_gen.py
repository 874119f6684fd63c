"""The dashboard hearth generates from the catalog: per component, its pods' health, restarts, CPU and memory
against requests, and its backup's last success.

Queries use only series kube-state-metrics and the kubelet's cAdvisor give for every pod (``METRICS``), plus
Velero's and kube-state-metrics' backup timestamps; a component's pods are matched by namespace and by the names
their workloads take (the component's and its pods' Service names, as ``<name>-...``). The JSON is inlined in the
grafana chart's ``dashboards`` value (``json``), beside the pinned grafana.com ones.
"""

from __future__ import annotations

import json
from typing import Any

from hearth.catalog.models import Component
from hearth.resolve.records import Resolved

UID = "hearth-components"
# Every metric the generated dashboard queries, and who provides it.
METRICS = {
    "kube_pod_status_ready": "kube-state-metrics",
    "kube_pod_container_status_restarts_total": "kube-state-metrics",
    "kube_pod_container_resource_requests": "kube-state-metrics",
    "container_cpu_usage_seconds_total": "kubelet cAdvisor",
    "container_memory_working_set_bytes": "kubelet cAdvisor",
    "velero_backup_last_successful_timestamp": "Velero server",
    "kube_cronjob_status_last_successful_time": "kube-state-metrics",
}


def _pods(resolved: Resolved, component: Component) -> str:
    names = sorted({component.name, *(p.service for p in resolved.pods_of(component.name))})
    return f'namespace="{component.namespace}", pod=~"({"|".join(names)})-.*"'


def _panel(pid: int, title: str, y: int, x: int, exprs: list[tuple[str, str]], unit: str, datasource: str) -> Any:
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "gridPos": {"h": 6, "w": 6, "x": x, "y": y},
        "datasource": {"type": "prometheus", "uid": datasource},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(65 + i), "expr": expr, "legendFormat": legend, "datasource": {"uid": datasource}}
            for i, (expr, legend) in enumerate(exprs)
        ],
    }


def _backup_expr(component: Component) -> str | None:
    if component.backup is None or component.backup.method == "none" or component.backup.method == "replication":
        return None
    if component.backup.method == "dump":
        return (
            f'time() - kube_cronjob_status_last_successful_time{{namespace="{component.namespace}", '
            f'cronjob="{component.name}-backup"}}'
        )
    return f'time() - velero_backup_last_successful_timestamp{{schedule="{component.name}-volumes"}}'


def component_dashboard(resolved: Resolved, datasource: str) -> dict[str, Any]:
    """The generated dashboard: a row per component (module docstring), reading ``datasource``."""
    panels: list[dict[str, Any]] = []
    y, pid = 0, 1
    for name, component in sorted(resolved.catalog.components.items()):
        if not resolved.pods_of(name):
            continue
        sel = _pods(resolved, component)
        panels.append(
            {"id": pid, "type": "row", "title": component.display_name, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}}
        )
        pid, y = pid + 1, y + 1
        rows = [
            ("Pods ready", [(f'sum(kube_pod_status_ready{{{sel}, condition="true"}})', "ready")], "short"),
            (
                "Restarts (1h)",
                [(f"sum(increase(kube_pod_container_status_restarts_total{{{sel}}}[1h]))", "restarts")],
                "short",
            ),
            (
                "CPU against requests",
                [
                    (f'sum(rate(container_cpu_usage_seconds_total{{{sel}, container!=""}}[5m]))', "used"),
                    (f'sum(kube_pod_container_resource_requests{{{sel}, resource="cpu"}})', "requested"),
                ],
                "cores",
            ),
            (
                "Memory against requests",
                [
                    (f'sum(container_memory_working_set_bytes{{{sel}, container!=""}})', "used"),
                    (f'sum(kube_pod_container_resource_requests{{{sel}, resource="memory"}})', "requested"),
                ],
                "bytes",
            ),
        ]
        backup = _backup_expr(component)
        for i, (title, exprs, unit) in enumerate(rows):
            panels.append(_panel(pid, title, y, i * 6, exprs, unit, datasource))
            pid += 1
        y += 6
        if backup is not None:
            panels.append(_panel(pid, "Since last successful backup", y, 0, [(backup, "age")], "s", datasource))
            pid, y = pid + 1, y + 6
    return {
        "uid": UID,
        "title": "Platform components",
        "tags": ["hearth"],
        "schemaVersion": 39,
        "time": {"from": "now-24h", "to": "now"},
        "panels": panels,
    }


def component_dashboard_json(resolved: Resolved, datasource: str) -> str:
    """The generated dashboard as the JSON text Grafana loads."""
    return json.dumps(component_dashboard(resolved, datasource), indent=2, sort_keys=True)
