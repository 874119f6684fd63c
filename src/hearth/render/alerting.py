"""Alerts the catalog implies, and Alertmanager's routing to Slack.

``platform.alerts`` are stated in the catalog (the seed's three and hearth's additions, each with a runbook). The
rest follow from what is rendered, so a new component or backup gets its alerts without anyone writing them:

* a component whose pods hearth scrapes gets ``<Component>TargetDown``: ``up == 0`` on the jobs of its monitors
  (a ServiceMonitor's job is its Service's name, a PodMonitor's ``<namespace>/<monitor name>``, as the Prometheus
  Operator labels them); pods the chart's own monitors scrape are left to the chart's rules;
* every Velero Schedule gets ``<Schedule>BackupLate`` (no successful backup within its period plus a margin) and
  Velero ``BackupFailed`` on any failure; every dump CronJob gets ``<CronJob>Late`` and ``<CronJob>Failed`` from
  kube-state-metrics' Job and CronJob series.

``platform.alert_routing`` becomes Alertmanager's configuration (``alertmanager/alertmanager.yaml``, what
``amtool check-config`` reads, and the kube-prometheus-stack ``alertmanager.config`` value). The Slack webhook URL
is never in it: ``api_url_file`` names the file Vault's agent writes into the Alertmanager pod from the KV entry
the catalog states, through the injector annotations on ``alertmanagerSpec.podMetadata``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from hearth.catalog.models import AlertRouting, Component, SeverityRoute
from hearth.render.backup import render_component_backup
from hearth.render.model import Manifest
from hearth.render.observability import render_service_monitor
from hearth.render.package.write import SAFE_DUMPER
from hearth.render.secrets import INJECT
from hearth.resolve.records import Resolved

ALERTMANAGER_FILE = "alertmanager/alertmanager.yaml"
SECRET_FILE = "slack-webhook"
SECRET_PATH = f"/vault/secrets/{SECRET_FILE}"
NULL_RECEIVER = "null"
# Margin after a backup's period before it counts as late: the run itself, and a retry.
LATE_MARGIN_SECONDS = 2 * 3600


def camel(name: str) -> str:
    """``cert-manager`` -> ``CertManager``: a component or schedule name inside an alert name."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def cron_period_seconds(cron: str) -> int:
    """The longest gap between two runs of a five-field cron schedule, to the day: monthly, weekly, daily, hourly."""
    minute, hour, dom, month, dow = cron.split()
    if dom != "*" or month != "*":
        return 31 * 86400
    if dow != "*":
        return 7 * 86400
    if hour != "*" or (minute != "*" and not minute.startswith("*/")):
        return 86400 if hour != "*" else 3600
    return 3600


def _rule(name: str, severity: str, expr: str, for_: str, summary: str, runbook: str, **labels: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity, **labels},
        "annotations": {"summary": summary, "runbook": runbook},
    }


def _jobs(monitors: list[Manifest]) -> list[str]:
    jobs = []
    for m in monitors:
        name, ns = m["metadata"]["name"], m["metadata"]["namespace"]
        jobs.append(name if m["kind"] == "ServiceMonitor" else f"{ns}/{name}")
    return sorted(jobs)


def target_down_rules(resolved: Resolved) -> list[dict[str, Any]]:
    """``<Component>TargetDown`` for each component hearth scrapes (module docstring)."""
    rules = []
    for name, component in sorted(resolved.catalog.components.items()):
        jobs = _jobs(render_service_monitor(resolved, component))
        if not jobs:
            continue
        selector = f'job="{jobs[0]}"' if len(jobs) == 1 else f'job=~"{"|".join(jobs)}"'
        rules.append(
            _rule(
                f"{camel(name)}TargetDown",
                "warning",
                f"up{{{selector}}} == 0",
                "5m",
                f"{component.display_name}: Prometheus cannot scrape {{{{ $labels.instance }}}}",
                f"kubectl -n {component.namespace} get pods for {name}: a pod that is not Ready, or a metrics port "
                "its NetworkPolicy does not open to Prometheus (hearth reach).",
                component=name,
            )
        )
    return rules


def _backup_objects(resolved: Resolved) -> tuple[list[Manifest], list[Manifest]]:
    objects: list[Manifest] = []
    for component in resolved.catalog.components.values():
        objects += render_component_backup(resolved, component)
    schedules = sorted((m for m in objects if m["kind"] == "Schedule"), key=lambda m: m["metadata"]["name"])
    cronjobs = sorted((m for m in objects if m["kind"] == "CronJob"), key=lambda m: m["metadata"]["name"])
    return schedules, cronjobs


def backup_rules(resolved: Resolved) -> list[dict[str, Any]]:
    """Late and failed Velero backups and dump CronJobs (module docstring)."""
    schedules, cronjobs = _backup_objects(resolved)
    rules = []
    if schedules:
        rules.append(
            _rule(
                "VeleroBackupFailed",
                "warning",
                "increase(velero_backup_failure_total[1d]) > 0",
                "0m",
                "Velero backup of schedule {{ $labels.schedule }} failed",
                "velero backup describe --details on the newest backup of the schedule; velero backup logs. A "
                "failing node-agent or an unreachable object store (MinIO) are the usual causes.",
            )
        )
    for s in schedules:
        name = s["metadata"]["name"]
        late = cron_period_seconds(s["spec"]["schedule"]) + LATE_MARGIN_SECONDS
        rules.append(
            _rule(
                f"{camel(name)}BackupLate",
                "warning",
                f'time() - velero_backup_last_successful_timestamp{{schedule="{name}"}} > {late}',
                "0m",
                f"Velero schedule {name} has had no successful backup for more than {late // 3600} hours",
                f"velero schedule describe {name}; velero backup get. Check the Velero server's log and MinIO.",
            )
        )
    for c in cronjobs:
        name, ns = c["metadata"]["name"], c["metadata"]["namespace"]
        late = cron_period_seconds(c["spec"]["schedule"]) + LATE_MARGIN_SECONDS
        rules.append(
            _rule(
                f"{camel(name)}Failed",
                "warning",
                f'kube_job_status_failed{{namespace="{ns}", job_name=~"{name}-.*"}} > 0',
                "0m",
                f"Dump job {ns}/{{{{ $labels.job_name }}}} failed",
                f"kubectl -n {ns} logs job/JOB -c dump (then -c upload): database credentials from Vault, the "
                "database itself, or the object store.",
            )
        )
        rules.append(
            _rule(
                f"{camel(name)}Late",
                "warning",
                f'time() - kube_cronjob_status_last_successful_time{{namespace="{ns}", cronjob="{name}"}} > {late}',
                "0m",
                f"Dump CronJob {ns}/{name} has not succeeded for more than {late // 3600} hours",
                f"kubectl -n {ns} get cronjob {name} and its recent jobs: a suspended CronJob, or jobs that fail.",
            )
        )
    return rules


def alert_groups(resolved: Resolved) -> list[dict[str, Any]]:
    """The rule groups derived from the rendered platform: components' scrape targets, then backups."""
    groups = [("hearth.targets", target_down_rules(resolved)), ("hearth.backups", backup_rules(resolved))]
    return [{"name": name, "rules": rules} for name, rules in groups if rules]


def _receiver(route: SeverityRoute) -> str:
    return f"slack-{route.severity}"


def alertmanager_config(routing: AlertRouting) -> dict[str, Any]:
    """Alertmanager's configuration: a route per severity to its Slack channel, the rest to the last route's.

    The chart's always-firing ``Watchdog`` and ``InfoInhibitor`` go nowhere, as in kube-prometheus-stack's own
    default (values.yaml ``alertmanager.config``).
    """
    routes: list[dict[str, Any]] = [{"receiver": NULL_RECEIVER, "matchers": ['alertname=~"InfoInhibitor|Watchdog"']}]
    for r in routing.routes:
        routes.append(
            {
                "receiver": _receiver(r),
                "matchers": [f'severity="{r.severity}"'],
                "group_wait": r.group_wait,
                "group_interval": r.group_interval,
                "repeat_interval": r.repeat_interval,
            }
        )
    last = routing.routes[-1]
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    for r in routing.routes:
        receivers.append(
            {
                "name": _receiver(r),
                "slack_configs": [
                    {
                        "api_url_file": SECRET_PATH,
                        "channel": r.channel,
                        "send_resolved": True,
                        "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
                        "text": "{{ range .Alerts }}{{ .Annotations.summary }}\nRunbook: {{ .Annotations.runbook }}\n"
                        "{{ end }}",
                    }
                ],
            }
        )
    return {
        "route": {
            "receiver": _receiver(last),
            "group_by": list(routing.group_by),
            "group_wait": last.group_wait,
            "group_interval": last.group_interval,
            "repeat_interval": last.repeat_interval,
            "routes": routes,
        },
        "receivers": receivers,
    }


def render_alertmanager_file(resolved: Resolved) -> dict[str, str]:
    """``alertmanager/alertmanager.yaml`` from ``platform.alert_routing``; nothing when the catalog has none."""
    routing = resolved.catalog.platform.alert_routing
    if routing is None or not any("metrics" in c.capabilities() for c in resolved.catalog.components.values()):
        return {}
    text = yaml.dump(
        alertmanager_config(routing), Dumper=SAFE_DUMPER, sort_keys=False, default_flow_style=False, width=1000
    )
    return {ALERTMANAGER_FILE: "# Alertmanager routing, rendered by hearth from platform.alert_routing.\n" + text}


def _agent_template(secret: str) -> str:
    path, _, key = secret.partition("#")
    data = ".Data.data" if path.startswith("kv/data/") else ".Data"
    return f'{{{{ with secret "{path}" }}}}{{{{ {data}.{key} }}}}{{{{ end }}}}'


def with_alerting(resolved: Resolved, component: Component, values: dict[str, Any]) -> dict[str, Any]:
    """The kube-prometheus-stack values of the ``metrics`` provider, with Alertmanager's config and webhook file.

    Other components' values are returned unchanged.
    """
    routing = resolved.catalog.platform.alert_routing
    if routing is None or "metrics" not in component.capabilities():
        return values
    alertmanager = dict(values.get("alertmanager", {}))
    spec = dict(alertmanager.get("alertmanagerSpec", {}))
    pod_metadata = dict(spec.get("podMetadata", {}))
    path = routing.webhook_secret.partition("#")[0]
    pod_metadata["annotations"] = {
        **pod_metadata.get("annotations", {}),
        f"{INJECT}/agent-inject": "true",
        f"{INJECT}/role": component.name,
        f"{INJECT}/agent-inject-secret-{SECRET_FILE}": path,
        f"{INJECT}/agent-inject-template-{SECRET_FILE}": _agent_template(routing.webhook_secret),
    }
    spec["podMetadata"] = pod_metadata
    alertmanager["alertmanagerSpec"] = spec
    # The component's Vault role binds a ServiceAccount named after it (render/secrets.py vault_role): the chart
    # creates Alertmanager's under that name (kube-prometheus-stack values alertmanager.serviceAccount).
    alertmanager["serviceAccount"] = {**alertmanager.get("serviceAccount", {}), "create": True, "name": component.name}
    alertmanager["config"] = alertmanager_config(routing)
    return {**values, "alertmanager": alertmanager}
