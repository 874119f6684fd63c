"""Rules of observability.py: ServiceMonitors, the PrometheusRule, and the rules file checked by real promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from render_cases import CASES_DIR

from hearth.render.model import RenderedPlatform
from hearth.render.observability import RULES_FILE
from hearth.resolve import Resolved
from tools import tool


def _monitors(platform: RenderedPlatform) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for name, chart in platform.charts.items():
        hits = [m for m in chart.manifests if m["kind"] == "ServiceMonitor"]
        if hits:
            out[name] = hits
    return out


def test_a_service_monitor_for_exactly_the_components_with_metrics(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Hearth-rendered and upstream components alike, each in its own (companion) chart, when a scraper exists."""
    resolved = resolved_cases["data"]
    with_metrics = {n for n, c in resolved.catalog.components.items() if c.metrics is not None}
    assert set(_monitors(rendered_cases["data"])) == with_metrics == {"minio", "notes", "vault"}
    # cert-manager in `web` has metrics, but nothing provides `metrics` there to scrape it.
    assert resolved_cases["web"].component("cert-manager").metrics is not None
    assert _monitors(rendered_cases["web"]) == _monitors(rendered_cases["bare"]) == {}


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
