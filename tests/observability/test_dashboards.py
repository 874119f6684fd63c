"""Grafana as code on the seed platform: the four dashboards the seed names, pinned, and Loki as a data source."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.dashboards import LOKI_DATASOURCE, datasource_names
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.resolve.endpoints import provider_endpoint, providers
from hearth.resolve.records import Resolved


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog())


@pytest.fixture(scope="module")
def values(seed: Resolved) -> dict[str, Any]:
    """The kube-prometheus-stack values hearth renders for the provider of ``metrics``."""
    (metrics,) = providers(seed, "metrics")
    return render_platform(seed).upstream[metrics.name].values


@pytest.mark.parametrize(
    ("name", "gnet_id", "revision"),
    [("kubernetes", 15757, 43), ("node-exporter", 1860, 37), ("traefik", 17347, 9), ("postgresql", 9628, 7)],
)
def test_the_seeds_dashboards_are_provisioned_pinned(
    values: dict[str, Any], name: str, gnet_id: int, revision: int
) -> None:
    """Kubernetes, Node Exporter, Traefik, PostgreSQL: each by grafana.com ID and revision, in hearth's provider."""
    grafana = values["grafana"]
    dashboard = grafana["dashboards"]["hearth"][name]
    assert (dashboard["gnetId"], dashboard["revision"]) == (gnet_id, revision)
    (provider,) = grafana["dashboardProviders"]["dashboardproviders.yaml"]["providers"]
    assert provider["name"] == "hearth" and provider["type"] == "file"


def test_every_dashboard_reads_a_data_source_grafana_has(values: dict[str, Any]) -> None:
    """No dashboard names a data source that the values do not provision."""
    names = datasource_names(values)
    pinned = {n: d for n, d in values["grafana"]["dashboards"]["hearth"].items() if "gnetId" in d}
    assert len(pinned) == 4
    for name, dashboard in pinned.items():
        assert dashboard["datasource"] in names, name


def test_loki_is_a_data_source_at_the_logs_providers_service(seed: Resolved, values: dict[str, Any]) -> None:
    """Loki is found by capability (logs), at the Service and port of the pod that provides it."""
    logs = provider_endpoint(seed, "logs")
    assert logs is not None
    (loki,) = [d for d in values["grafana"]["additionalDataSources"] if d["name"] == LOKI_DATASOURCE]
    assert loki["type"] == "loki"
    assert loki["url"] == f"http://{logs.host}.cluster.local:{logs.pod.service_port(logs.port)}"


def test_other_charts_values_are_left_alone(seed: Resolved) -> None:
    """Only the metrics provider's release gets dashboards and Alertmanager settings, the backups provider's its
    storage wiring, the log collector its configuration, the identity provider its blueprints and the secrets store
    its raft and TLS server config; every other release's values are its catalog values."""
    platform = render_platform(seed)
    for name, release in platform.upstream.items():
        if not seed.component(name).capabilities() & {"metrics", "backups", "log-collector", "oidc", "secrets"}:
            assert release.values == dict(seed.component(name).install.values), name


# Series every pod has, from kube-state-metrics (docs/metrics/workload/pod-metrics.md, cronjob-metrics.md) and the
# kubelet's cAdvisor, and Velero's server metrics (pkg/metrics/metrics.go): what a generated query may use.
KNOWN_METRICS = {
    "kube_pod_status_ready",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_resource_requests",
    "kube_cronjob_status_last_successful_time",
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "velero_backup_last_successful_timestamp",
}


def _generated(values: dict[str, Any]) -> dict[str, Any]:
    text = values["grafana"]["dashboards"]["hearth"]["hearth-components"]["json"]
    dashboard = json.loads(text)
    assert isinstance(dashboard, dict)
    return dashboard


def test_the_generated_dashboard_has_a_row_per_component_and_known_metrics_only(
    seed: Resolved, values: dict[str, Any]
) -> None:
    """Valid JSON; a row per component with pods; its queries name only series some exporter provides."""
    dashboard = _generated(values)
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    with_pods = sorted((n for n in seed.catalog.components if seed.pods_of(n)), key=str)
    assert rows == [seed.component(n).display_name for n in with_pods]
    names = datasource_names(values)
    for panel in (p for p in dashboard["panels"] if p["type"] != "row"):
        assert panel["datasource"]["uid"] in names, panel["title"]
        for target in panel["targets"]:
            metrics = set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", target["expr"]))
            assert metrics and metrics <= KNOWN_METRICS, target["expr"]


def test_backup_panels_name_the_schedules_and_cronjobs_hearth_renders(seed: Resolved, values: dict[str, Any]) -> None:
    """Each "last successful backup" query selects a Velero Schedule or dump CronJob that exists in the build."""
    platform = render_platform(seed)
    manifests = [m for c in platform.charts.values() for m in c.manifests]
    schedules = {m["metadata"]["name"] for m in manifests if m["kind"] == "Schedule"}
    cronjobs = {m["metadata"]["name"] for m in manifests if m["kind"] == "CronJob"}
    exprs = [t["expr"] for p in _generated(values)["panels"] if p["type"] != "row" for t in p["targets"]]
    backups = [e for e in exprs if "last_successful" in e]
    assert backups
    for expr in backups:
        found = re.search(r'(schedule|cronjob)="([^"]+)"', expr)
        assert found is not None, expr
        assert found.group(2) in (schedules if found.group(1) == "schedule" else cronjobs), expr
