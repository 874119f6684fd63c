"""Rules of observability.py: Service- and PodMonitors, the PrometheusRule, and the rules file checked by promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from render_cases import CASES_DIR

from hearth.catalog.checks import component_problems
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Component
from hearth.render.cluster import render_upstream_stand_ins
from hearth.render.model import RenderedPlatform
from hearth.render.observability import RULES_FILE, render_service_monitor
from hearth.resolve import resolve
from hearth.resolve.records import Resolved
from tools import tool

MONITOR_KINDS = ("ServiceMonitor", "PodMonitor")


def _monitors(platform: RenderedPlatform) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, chart in platform.charts.items():
        hits = [m for m in chart.manifests if m["kind"] in MONITOR_KINDS]
        if hits:
            out[name] = hits
    return out


def _component_monitors(resolved: Resolved, platform: RenderedPlatform) -> dict[str, list[dict[str, Any]]]:
    """Monitors of catalog components' charts (not of releases hearth adds itself, such as Velero)."""
    return {n: m for n, m in _monitors(platform).items() if n in resolved.catalog.components}


def test_a_monitor_for_exactly_the_components_with_metrics(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Each in its own (companion) chart, when a scraper exists: ServiceMonitors for hearth's, PodMonitors upstream."""
    resolved = resolved_cases["data"]
    with_metrics = {n for n, c in resolved.catalog.components.items() if c.metrics is not None}
    monitors = _component_monitors(resolved, rendered_cases["data"])
    assert set(monitors) == with_metrics == {"minio", "notes", "vault", "velero"}
    kinds = {n: {m["kind"] for m in ms} for n, ms in monitors.items()}
    assert kinds == {
        "minio": {"ServiceMonitor"}, "notes": {"ServiceMonitor"}, "vault": {"PodMonitor"}, "velero": {"PodMonitor"}
    }  # fmt: skip
    assert resolved.component("vault").install.method == "chart"
    # cert-manager in `web` has metrics, but nothing provides `metrics` there to scrape it.
    assert resolved_cases["web"].component("cert-manager").metrics is not None
    assert _component_monitors(resolved_cases["web"], rendered_cases["web"]) == {}
    assert _component_monitors(resolved_cases["bare"], rendered_cases["bare"]) == {}


def _with_component(resolved: Resolved, data: dict[str, object]) -> Resolved:
    component = Component.model_validate(data)
    components = {**resolved.catalog.components, component.name: component}
    return resolve(resolved.catalog.model_copy(update={"components": components}))


# An upstream chart of three pods: `server` carries the component's metrics port, `ui` carries a port of the same
# name that serves no metrics, `worker` serves metrics on a port of its own.
_CHART_WITH_POD_METRICS: dict[str, Any] = {
    "name": "tasks",
    "display_name": "Tasks",
    "namespace": "service",
    "version": "1.0.0",
    "install": {
        "method": "chart",
        "reason": "The upstream chart.",
        "chart": {"repo": "https://charts.example.org", "name": "tasks", "version": "1.0.0"},
        "pods": [
            {"name": "server", "labels": {"app": "tasks", "component": "server"}, "ports": ["http"]},
            {"name": "ui", "labels": {"app": "tasks", "component": "ui"}, "ports": ["http"]},
            {
                "name": "worker",
                "labels": {"app": "tasks", "component": "worker"},
                "ports": ["worker-metrics"],
                "metrics": {"port": "worker-metrics", "path": "/stats"},
            },
        ],
    },
    "ports": [{"name": "http", "port": 8080}, {"name": "worker-metrics", "port": 9300}],
    "metrics": {"port": "http"},
    "needs": ["namespaces"],
}


def _tasks_scraped_by_chart() -> dict[str, Any]:
    """The same chart, stating that its own monitor scrapes the worker (``metrics.scraped_by: chart``)."""
    pods = [dict(p) for p in _CHART_WITH_POD_METRICS["install"]["pods"]]
    pods[2] = {**pods[2], "metrics": {"port": "worker-metrics", "path": "/stats", "scraped_by": "chart"}}
    return {**_CHART_WITH_POD_METRICS, "install": {**_CHART_WITH_POD_METRICS["install"], "pods": pods}}


def test_one_pod_monitor_per_scraped_upstream_pod(resolved_cases: dict[str, Resolved]) -> None:
    """The component's metrics on the first pod carrying the port, a pod's own metrics on its own port.

    Each PodMonitor selects the labels the chart applies to the pod, in its namespace, and names the container
    port by number: nothing of the chart's Services, which hearth does not know.
    """
    resolved = _with_component(resolved_cases["data"], _CHART_WITH_POD_METRICS)
    component = resolved.component("tasks")
    rendered = render_service_monitor(resolved, component)
    assert {m["kind"] for m in rendered} == {"PodMonitor"}
    monitors = {m["metadata"]["name"]: m["spec"] for m in rendered}
    assert set(monitors) == {"tasks", "tasks-worker"}
    assert monitors["tasks"] == {
        "selector": {"matchLabels": {"app": "tasks", "component": "server"}},
        "namespaceSelector": {"matchNames": ["service"]},
        "podMetricsEndpoints": [{"portNumber": 8080, "path": "/metrics", "interval": "30s", "scheme": "http"}],
    }
    assert monitors["tasks-worker"]["selector"] == {"matchLabels": {"app": "tasks", "component": "worker"}}
    assert monitors["tasks-worker"]["podMetricsEndpoints"] == [
        {"portNumber": 9300, "path": "/stats", "interval": "30s", "scheme": "http"}
    ]
    scraped = {
        (f.dst[1], f.port.name) for f in resolved.flows if f.src == ("prometheus", "server") and f.dst[0] == "tasks"
    }
    assert scraped == {("server", "http"), ("worker", "worker-metrics")}, "nothing scrapes the ui's http port"


def test_pod_monitors_select_the_scraped_stand_in_pod_and_a_port_it_declares(
    resolved_cases: dict[str, Resolved],
) -> None:
    """Each PodMonitor selects exactly the stand-in Pod of the scraped pod, which declares the port number."""
    resolved = _with_component(resolved_cases["data"], _CHART_WITH_POD_METRICS)
    pods = [m for m in render_upstream_stand_ins(resolved, "tasks") if m["kind"] == "Pod"]
    found = {}
    for monitor in render_service_monitor(resolved, resolved.component("tasks")):
        selector = monitor["spec"]["selector"]["matchLabels"]
        (pod,) = [p for p in pods if selector.items() <= p["metadata"]["labels"].items()]
        declared = {port["containerPort"] for c in pod["spec"]["containers"] for port in c["ports"]}
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        assert endpoint["portNumber"] in declared
        found[monitor["metadata"]["name"]] = pod["metadata"]["name"]
    assert found == {"tasks": "tasks-server", "tasks-worker": "tasks-worker"}


def test_no_monitor_for_a_pod_the_chart_scrapes_itself(resolved_cases: dict[str, Resolved]) -> None:
    """``scraped_by: chart``: hearth renders no monitor for that pod, marks it, and Prometheus still reaches it."""
    resolved = _with_component(resolved_cases["data"], _tasks_scraped_by_chart())
    rendered = render_service_monitor(resolved, resolved.component("tasks"))
    assert [m["metadata"]["name"] for m in rendered] == ["tasks"], "only the server keeps hearth's PodMonitor"
    stand_ins = {m["metadata"]["name"]: m for m in render_upstream_stand_ins(resolved, "tasks") if m["kind"] == "Pod"}
    assert stand_ins["tasks-worker"]["metadata"]["annotations"]["hearth.dev/monitored-by"] == "chart"
    assert "hearth.dev/monitored-by" not in stand_ins["tasks-server"]["metadata"]["annotations"]
    scraped = {f.dst for f in resolved.flows if f.src == ("prometheus", "server") and f.dst[0] == "tasks"}
    assert scraped == {("tasks", "server"), ("tasks", "worker")}, "the chart's monitor still reaches the worker"


def test_scraped_by_chart_is_refused_for_a_workload_hearth_renders() -> None:
    data = {
        "name": "app",
        "display_name": "App",
        "namespace": "service",
        "version": "1.0.0",
        "install": {"method": "hearth", "reason": "No chart."},
        "ports": [{"name": "http", "port": 8080}],
        "metrics": {"port": "http", "scraped_by": "chart"},
    }
    problems = component_problems(Component.model_validate(data))
    assert problems == [(("metrics", "scraped_by"), "chart is for components installed from an upstream chart")]


def test_the_seed_scrapes_each_upstream_pod_once() -> None:
    """Upstream components of the seed: a PodMonitor per pod hearth scrapes, none where the chart scrapes itself.

    Harbor (core and jobservice declare no container port for their metrics listener) and kube-prometheus-stack
    (its rules and the NodeDown alert select the job names of its own monitors) keep the chart's monitors.
    """
    resolved = resolve(load_catalog(None))
    charts = {n: c for n, c in resolved.catalog.components.items() if c.install.method == "chart"}
    by_chart = {n for n in charts if any(p.metrics and p.metrics.scraped_by == "chart" for p in resolved.pods_of(n))}
    assert by_chart == {"harbor", "monitoring"}
    for name, component in charts.items():
        rendered = render_service_monitor(resolved, component)
        hearth_scraped = [
            p for p in resolved.pods_of(name) if p.metrics is not None and p.metrics.scraped_by == "hearth"
        ]
        assert {m["kind"] for m in rendered} <= {"PodMonitor"}, name
        assert len(rendered) == len(hearth_scraped), name


def test_monitor_selects_the_service_labels_or_the_pod_labels_and_port(
    rendered_cases: dict[str, RenderedPlatform],
) -> None:
    """Selector labels of the hearth Service and its port name; the upstream pod's own labels and port number."""
    platform = rendered_cases["data"]
    (minio,) = _monitors(platform)["minio"]
    spec = minio["spec"]
    assert minio["kind"] == "ServiceMonitor"
    assert spec["selector"] == {
        "matchLabels": {"app.kubernetes.io/instance": "minio", "app.kubernetes.io/name": "minio"}
    }
    assert spec["namespaceSelector"] == {"matchNames": ["db"]}
    assert spec["endpoints"] == [
        {"port": "api", "path": "/minio/v2/metrics/cluster", "interval": "30s", "scheme": "http"}
    ]
    (vault,) = _monitors(platform)["vault"]
    stand_in = next(m for m in platform.cluster["upstream/vault"] if m["kind"] == "Pod")
    assert vault["kind"] == "PodMonitor"
    assert vault["spec"]["selector"]["matchLabels"] == stand_in["metadata"]["labels"]
    assert vault["spec"]["podMetricsEndpoints"] == [
        {"portNumber": 8200, "path": "/v1/sys/metrics", "interval": "30s", "scheme": "http"}
    ]


def test_prometheus_rule_only_in_the_metrics_provider_chart(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """One PrometheusRule, in the chart of the component providing metrics, holding every platform alert."""
    platform = rendered_cases["data"]
    found = [(n, m) for n, c in platform.charts.items() for m in c.manifests if m["kind"] == "PrometheusRule"]
    assert [n for n, _ in found] == ["prometheus"]
    rules = found[0][1]["spec"]["groups"][0]["rules"]
    alerts = resolved_cases["data"].catalog.platform.alerts
    assert [r["alert"] for r in rules] == [a.name for a in alerts]
    assert rules[0] == {
        "alert": "NodeDown",
        "expr": 'up{job="node-exporter"} == 0',
        "for": "5m",
        "labels": {"severity": "critical"},
        "annotations": {"summary": "Node {{ $labels.instance }} has been offline for more than 5 minutes"},
    }
    assert yaml.safe_load(platform.files[RULES_FILE]) == {"groups": found[0][1]["spec"]["groups"]}


def _run(*args: str, cwd: Path) -> str:
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_promtool_checks_and_unit_tests_the_rules_file(
    rendered_cases: dict[str, RenderedPlatform], tmp_path: Path
) -> None:
    """The real promtool accepts the rendered rules and the alerts fire (and stay quiet) as the seed says."""
    (tmp_path / "rules.yaml").write_text(rendered_cases["data"].files[RULES_FILE], encoding="utf-8")
    shutil.copy(CASES_DIR / "promtool" / "alerts.test.yaml", tmp_path / "alerts.test.yaml")
    count = sum(len(g["rules"]) for g in yaml.safe_load(rendered_cases["data"].files[RULES_FILE])["groups"])
    assert count > 3  # the seed's three, and those hearth derives (hearth.render.alerting)
    assert f"SUCCESS: {count} rules found" in _run(tool("promtool"), "check", "rules", "rules.yaml", cwd=tmp_path)
    assert "SUCCESS" in _run(tool("promtool"), "test", "rules", "alerts.test.yaml", cwd=tmp_path)


def test_promtool_unit_test_fails_when_an_alert_is_wrong(
    rendered_cases: dict[str, RenderedPlatform], tmp_path: Path
) -> None:
    """The unit test has teeth: a PVFillingUp threshold of 1% no longer fires at 5% free."""
    rules = rendered_cases["data"].files[RULES_FILE].replace("< 0.10", "< 0.01")
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    shutil.copy(CASES_DIR / "promtool" / "alerts.test.yaml", tmp_path / "alerts.test.yaml")
    proc = subprocess.run(
        [tool("promtool"), "test", "rules", "alerts.test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "PVFillingUp" in proc.stdout + proc.stderr
