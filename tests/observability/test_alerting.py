"""Alerts of the seed platform in the real promtool, and Alertmanager's routing in the real amtool.

Each alert of the rendered rules file gets two promtool unit tests built here from its rule: synthetic series on
which it fires (with the labels and expanded annotations Prometheus would send), and series on which it stays
quiet. The catalog's own alerts take their series from the table below; the derived ones (target down, late or
failed backups) from the selector in their expression.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.render.alerting import ALERTMANAGER_FILE, SECRET_PATH, cron_period_seconds
from hearth.render.observability import RULES_FILE
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from tools import tool

Series = list[tuple[str, str, str]]  # (series selector, firing values, quiet values)

#: The catalog's alerts: series that fire them and series that do not, and when to evaluate (minutes).
STATED: dict[str, tuple[Series, int]] = {
    "NodeDown": ([('up{job="node-exporter", instance="k8s-worker-1"}', "0x10", "1x10")], 6),
    "PodCrashLooping": (
        [
            (
                'kube_pod_container_status_restarts_total{namespace="db", pod="pg-0", container="pg"}',
                "0 1 2 3 4 5",
                "2x5",
            )
        ],
        5,
    ),
    "PVFillingUp": (
        [
            ('kubelet_volume_stats_available_bytes{namespace="db", persistentvolumeclaim="data"}', "5x10", "50x10"),
            ('kubelet_volume_stats_capacity_bytes{namespace="db", persistentvolumeclaim="data"}', "100x10", "100x10"),
        ],
        6,
    ),
    "VaultSealed": ([('vault_core_unsealed{pod="vault-0"}', "0x5", "1x5")], 2),
    "CertificateExpiringSoon": (
        [
            (
                'certmanager_certificate_expiration_timestamp_seconds{namespace="code", name="gitlab-tls"}',
                "86400x70",
                "8640000x70",
            )
        ],
        61,
    ),
    "TunnelConnectorDisconnected": ([('newt_site_online{pod="pangolin-0", site_id="self"}', "0x10", "1x10")], 6),
    "NodeMemoryPressure": (
        [
            (
                'kube_node_status_condition{node="k8s-worker-1", condition="MemoryPressure", status="true"}',
                "1x10",
                "0x10",
            )
        ],
        6,
    ),
    "NodeDiskPressure": (
        [('kube_node_status_condition{node="k8s-worker-1", condition="DiskPressure", status="true"}', "1x10", "0x10")],
        6,
    ),
}


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    """The seed platform's rendered plain files."""
    return render_platform(resolve(load_catalog())).files


@pytest.fixture(scope="module")
def rules(files: dict[str, str]) -> list[dict[str, Any]]:
    """Every alert rule of the rendered rules file."""
    return [r for g in yaml.safe_load(files[RULES_FILE])["groups"] for r in g["rules"]]


def _labels(selector: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', selector))


def _late(expr: str, metric: str, key: str) -> tuple[Series, int, str]:
    threshold = int(expr.rsplit(">", 1)[1])
    hours = threshold // 3600 + 2
    labels = ", ".join(f'{k}="{v}"' for k, v in _labels(expr).items())
    return [(f"{metric}{{{labels}}}", f"0x{hours}", f"0+3600x{hours}")], hours * 60, key


def _case(rule: dict[str, Any]) -> tuple[Series, int, int]:
    """(series, evaluation minute, sample interval in minutes) for one rule."""
    name, expr = rule["alert"], rule["expr"]
    if name in STATED:
        series, minute = STATED[name]
        return series, minute, 1
    if name.endswith("TargetDown"):
        job = re.search(r'job=~?"([^"|]+)', expr)
        assert job is not None, expr
        return [(f'up{{job="{job.group(1)}", instance="10.233.64.9:9100"}}', "0x10", "1x10")], 6, 1
    if name == "VeleroBackupFailed":
        return [('velero_backup_failure_total{schedule="kubernetes-state"}', "0 0 1 1 1", "0x5")], 180, 60
    if "velero_backup_last_successful_timestamp" in expr:
        series, minute, _ = _late(expr, "velero_backup_last_successful_timestamp", name)
        return series, minute, 60
    if "kube_cronjob_status_last_successful_time" in expr:
        series, minute, _ = _late(expr, "kube_cronjob_status_last_successful_time", name)
        return series, minute, 60
    if "kube_job_status_failed" in expr:
        found = re.search(r'namespace="([^"]+)", job_name=~"([^"]+)-\.\*"', expr)
        assert found is not None, expr
        ns, cronjob = found.groups()
        return [(f'kube_job_status_failed{{namespace="{ns}", job_name="{cronjob}-29000000"}}', "1x5", "0x5")], 2, 1
    raise AssertionError(f"no synthetic series for alert {name}: add it to STATED")


def _expand(text: str, labels: dict[str, str]) -> str:
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), text)


def _unit_tests(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tests = []
    for rule in rules:
        series, minute, interval = _case(rule)
        # An alert carries the labels its series share (a ratio of two series keeps the common ones).
        labels = _labels(series[0][0])
        for selector, _, _ in series[1:]:
            labels = {k: v for k, v in labels.items() if _labels(selector).get(k) == v}
        expected = {
            "exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": {k: _expand(v, labels) for k, v in rule["annotations"].items()},
        }
        for values, alerts in ((1, [expected]), (2, [])):
            tests.append(
                {
                    "interval": f"{interval}m",
                    "input_series": [{"series": s[0], "values": s[values]} for s in series],
                    "alert_rule_test": [{"eval_time": f"{minute}m", "alertname": rule["alert"], "exp_alerts": alerts}],
                }
            )
    return tests


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_every_alert_has_a_runbook_and_a_severity_alertmanager_routes(rules: list[dict[str, Any]]) -> None:
    """The seed's three, hearth's additions and the derived ones: each says what to do, each reaches Slack."""
    routed = {r.severity for r in load_catalog().platform.alert_routing.routes}  # type: ignore[union-attr]
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert rule["annotations"].get("runbook"), rule["alert"]
        assert rule["labels"]["severity"] in routed, rule["alert"]
    expected = {
        "NodeDown",
        "PodCrashLooping",
        "PVFillingUp",
        "VaultSealed",
        "CertificateExpiringSoon",
        "TunnelConnectorDisconnected",
        "NodeMemoryPressure",
        "NodeDiskPressure",
        "VeleroBackupFailed",
        "KubernetesStateBackupLate",
        "PostgresqlBackupLate",
        "PostgresqlBackupFailed",
        "VaultTargetDown",
    }
    assert expected <= set(names)


@pytest.mark.slow
def test_promtool_fires_each_alert_on_its_series_and_not_otherwise(
    files: dict[str, str], rules: list[dict[str, Any]], tmp_path: Path
) -> None:
    """promtool check rules, then a firing and a quiet unit test per alert, in the real promtool."""
    (tmp_path / "rules.yaml").write_text(files[RULES_FILE], encoding="utf-8")
    checked = _run(tool("promtool"), "check", "rules", "rules.yaml", cwd=tmp_path)
    assert checked.returncode == 0 and f"SUCCESS: {len(rules)} rules found" in checked.stdout, checked
    # promtool evaluates every rule at each step: tests that span days step by the hour.
    tests = _unit_tests(rules)
    for step in ("1m", "60m"):
        chosen = [t for t in tests if t["interval"] == step]
        data = {"rule_files": ["rules.yaml"], "evaluation_interval": step, "tests": chosen}
        (tmp_path / f"alerts-{step}.test.yaml").write_text(yaml.safe_dump(data, width=1000), encoding="utf-8")
    tested = _run(tool("promtool"), "test", "rules", "alerts-1m.test.yaml", "alerts-60m.test.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]


def test_promtool_unit_tests_have_teeth(files: dict[str, str], rules: list[dict[str, Any]], tmp_path: Path) -> None:
    """Swapping an alert's firing and quiet series makes promtool fail: the generated tests can fail."""
    (tmp_path / "rules.yaml").write_text(files[RULES_FILE], encoding="utf-8")
    tests = _unit_tests([r for r in rules if r["alert"] == "VaultSealed"])
    tests[0]["alert_rule_test"][0]["exp_alerts"], tests[1]["alert_rule_test"][0]["exp_alerts"] = (
        [],
        tests[0]["alert_rule_test"][0]["exp_alerts"],
    )
    data = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}
    (tmp_path / "alerts.test.yaml").write_text(yaml.safe_dump(data, width=1000), encoding="utf-8")
    assert _run(tool("promtool"), "test", "rules", "alerts.test.yaml", cwd=tmp_path).returncode != 0


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=critical", "alertname=VaultSealed"], "slack-critical"),
        (["severity=warning", "alertname=PVFillingUp"], "slack-warning"),
        (["severity=info", "alertname=Something"], "slack-warning"),
        (["alertname=Watchdog", "severity=none"], "null"),
    ],
)
def test_amtool_routes_each_severity_to_its_receiver(
    files: dict[str, str], tmp_path: Path, labels: list[str], receiver: str
) -> None:
    """amtool accepts the configuration, and routes critical and warning to their Slack receivers."""
    path = tmp_path / "alertmanager.yaml"
    path.write_text(files[ALERTMANAGER_FILE], encoding="utf-8")
    checked = _run(tool("amtool"), "check-config", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    routed = _run(tool("amtool"), "config", "routes", "test", f"--config.file={path}", *labels, cwd=tmp_path)
    assert routed.returncode == 0 and routed.stdout.strip() == receiver, routed.stdout + routed.stderr


def test_the_slack_webhook_is_a_file_vaults_agent_writes(files: dict[str, str]) -> None:
    """No webhook URL in the build: each Slack receiver reads it from the agent's file, with the catalog's timing."""
    config = yaml.safe_load(files[ALERTMANAGER_FILE])
    assert "api_url:" not in files[ALERTMANAGER_FILE] and "hooks.slack.com" not in files[ALERTMANAGER_FILE]
    slack = [c for r in config["receivers"] for c in r.get("slack_configs", [])]
    assert slack and all(c["api_url_file"] == SECRET_PATH for c in slack)
    routing = load_catalog().platform.alert_routing
    assert routing is not None
    by_receiver = {r["receiver"]: r for r in config["route"]["routes"]}
    for route in routing.routes:
        got = by_receiver[f"slack-{route.severity}"]
        assert (got["group_wait"], got["group_interval"], got["repeat_interval"]) == (
            route.group_wait,
            route.group_interval,
            route.repeat_interval,
        )


@pytest.mark.parametrize(
    ("cron", "seconds"),
    [("0 2 * * *", 86400), ("0 3 * * 0", 7 * 86400), ("0 4 1 * *", 31 * 86400), ("*/15 * * * *", 3600)],
)
def test_a_backup_is_late_after_its_period(cron: str, seconds: int) -> None:
    """Daily, weekly, monthly and sub-hourly schedules: the longest gap between two runs."""
    assert cron_period_seconds(cron) == seconds


def test_alertmanager_reads_the_webhook_through_the_components_vault_role() -> None:
    """The agent's path is one the component's Vault policy reads, with the ServiceAccount its role binds."""
    from hearth.render.secrets import vault_policy, vault_role

    seed = resolve(load_catalog())
    release = render_platform(seed).upstream["monitoring"]
    alertmanager = release.values["alertmanager"]
    annotations = alertmanager["alertmanagerSpec"]["podMetadata"]["annotations"]
    path = annotations["vault.hashicorp.com/agent-inject-secret-slack-webhook"]
    component = seed.component("monitoring")
    assert f'path "{path}"' in vault_policy(seed, component)
    assert annotations["vault.hashicorp.com/role"] == vault_role(component)["name"]
    assert alertmanager["serviceAccount"]["name"] in vault_role(component)["bound_service_account_names"]
    assert alertmanager["config"] == yaml.safe_load(render_platform(seed).files[ALERTMANAGER_FILE])
