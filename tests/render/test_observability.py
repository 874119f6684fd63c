"""Rules of observability.py: ServiceMonitors, the PrometheusRule, and the rules file checked by real promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from render_cases import CASES_DIR

from hearth.catalog.models import Component
from hearth.render.cluster import render_upstream_stand_ins
from hearth.render.model import RenderedPlatform
from hearth.render.observability import RULES_FILE, render_service_monitor
from hearth.resolve import Resolved, resolve
from tools import tool


def _monitors(platform: RenderedPlatform) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for name, chart in platform.charts.items():
        hits = [m for m in chart.manifests if m["kind"] == "ServiceMonitor"]
        if hits:
            out[name] = hits
    return out


def _component_monitors(resolved: Resolved, platform: RenderedPlatform) -> dict[str, list[dict[str, object]]]:
    """ServiceMonitors of catalog components' charts (not of releases hearth adds itself, such as Velero)."""
    return {n: m for n, m in _monitors(platform).items() if n in resolved.catalog.components}


def test_a_service_monitor_for_exactly_the_components_with_metrics(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Hearth-rendered and upstream components alike, each in its own (companion) chart, when a scraper exists."""
    resolved = resolved_cases["data"]
    with_metrics = {n for n, c in resolved.catalog.components.items() if c.metrics is not None}
    assert set(_component_monitors(resolved, rendered_cases["data"])) == with_metrics == {"minio", "notes", "vault"}
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
_CHART_WITH_POD_METRICS: dict[str, object] = {
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


def test_one_service_monitor_per_scraped_pod_service(resolved_cases: dict[str, Resolved]) -> None:
    """The component's metrics on the first pod carrying the port, a pod's own metrics on its own Service."""
    resolved = _with_component(resolved_cases["data"], _CHART_WITH_POD_METRICS)
    component = resolved.component("tasks")
    monitors = {m["metadata"]["name"]: m["spec"] for m in render_service_monitor(resolved, component)}
    assert set(monitors) == {"tasks", "tasks-worker"}
    assert monitors["tasks"]["selector"] == {"matchLabels": {"app": "tasks", "component": "server"}}
    assert monitors["tasks-worker"]["selector"] == {"matchLabels": {"app": "tasks", "component": "worker"}}
    assert monitors["tasks-worker"]["endpoints"] == [
        {"port": "worker-metrics", "path": "/stats", "interval": "30s", "scheme": "http"}
    ]
    scraped = {
        (f.dst[1], f.port.name) for f in resolved.flows if f.src == ("prometheus", "server") and f.dst[0] == "tasks"
    }
    assert scraped == {("server", "http"), ("worker", "worker-metrics")}, "nothing scrapes the ui's http port"


def test_stand_in_services_expose_the_monitored_ports(resolved_cases: dict[str, Resolved]) -> None:
    """Each ServiceMonitor of an upstream pod selects the stand-in Service of that pod, which names the port."""
    resolved = _with_component(resolved_cases["data"], _CHART_WITH_POD_METRICS)
    services = [m for m in render_upstream_stand_ins(resolved, "tasks") if m["kind"] == "Service"]
    for monitor in render_service_monitor(resolved, resolved.component("tasks")):
        selector = monitor["spec"]["selector"]["matchLabels"]
        (service,) = [s for s in services if selector.items() <= s["metadata"]["labels"].items()]
        assert service["metadata"]["name"] == monitor["metadata"]["name"]
        port = monitor["spec"]["endpoints"][0]["port"]
        assert port in {p["name"] for p in service["spec"]["ports"]}


def test_service_monitor_selects_the_service_labels_and_metrics_port(
    rendered_cases: dict[str, RenderedPlatform],
) -> None:
    """Selector labels of the hearth Service, or of the stand-in Service of an upstream pod; port name and path."""
    platform = rendered_cases["data"]
    (minio,) = _monitors(platform)["minio"]
    spec = minio["spec"]
    assert isinstance(spec, dict)
    assert spec["selector"] == {
        "matchLabels": {"app.kubernetes.io/instance": "minio", "app.kubernetes.io/name": "minio"}
    }
    assert spec["namespaceSelector"] == {"matchNames": ["db"]}
    assert spec["endpoints"] == [
        {"port": "api", "path": "/minio/v2/metrics/cluster", "interval": "30s", "scheme": "http"}
    ]
    (vault,) = _monitors(platform)["vault"]
    stand_in = next(m for m in platform.cluster["upstream/vault"] if m["kind"] == "Service")
    assert vault["spec"]["selector"]["matchLabels"] == stand_in["metadata"]["labels"]  # type: ignore[index]
    assert vault["spec"]["endpoints"][0]["path"] == "/v1/sys/metrics"  # type: ignore[index]


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
    assert "SUCCESS: 3 rules found" in _run(tool("promtool"), "check", "rules", "rules.yaml", cwd=tmp_path)
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
