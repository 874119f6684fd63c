"""Metrics: a ServiceMonitor per component with ``metrics``, and the platform's alerts as a PrometheusRule.

A ServiceMonitor selects the Service of the pod carrying the metrics port: for a hearth-rendered component the
Service's selector labels, for an upstream-chart component the labels of the stand-in Service that
``hearth.render.cluster`` writes for that pod. It goes into the component's (companion) chart.

The alerts of ``platform.alerts`` become one PrometheusRule in the chart of the component providing
``metrics``, and the same rule groups as a plain Prometheus rules file (``prometheus/rules.yaml``) that
``promtool check rules`` and ``promtool test rules`` read. Alert summaries keep ``{{ $labels.x }}`` literally:
Prometheus expands them; the chart writer escapes ``{{`` so Helm does not.
"""

from __future__ import annotations

from typing import Any

import yaml

from hearth.catalog.models import Component
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.resolve import Resolved, pod_with_port, providers, selector_labels, standard_labels

MONITORING_API = "monitoring.coreos.com/v1"
RULE_GROUP = "hearth.platform"
RULES_FILE = "prometheus/rules.yaml"


def render_service_monitor(resolved: Resolved, component: Component) -> list[Manifest]:
    """The ServiceMonitor of a component with ``metrics``; empty without metrics or without a metrics provider."""
    if component.metrics is None or not providers(resolved, "metrics"):
        return []
    target = pod_with_port(resolved, component, component.metrics.port)
    if target is None:
        return []
    pod, _ = target
    selector = dict(pod.labels) if pod.upstream else selector_labels(component)
    return [
        {
            "apiVersion": MONITORING_API,
            "kind": "ServiceMonitor",
            "metadata": metadata(pod.service, component.namespace, standard_labels(component)),
            "spec": {
                "selector": {"matchLabels": dict(sorted(selector.items()))},
                "namespaceSelector": {"matchNames": [component.namespace]},
                "endpoints": [
                    {
                        "port": component.metrics.port,
                        "path": component.metrics.path,
                        "interval": resolved.catalog.platform.scrape_interval,
                        "scheme": "http",
                    }
                ],
            },
        }
    ]


def rule_groups(resolved: Resolved) -> list[dict[str, Any]]:
    """The platform's alerts as Prometheus rule groups (the shape of a rules file and of a PrometheusRule spec)."""
    rules = [
        {
            "alert": alert.name,
            "expr": alert.expr,
            "for": alert.for_,
            "labels": {"severity": alert.severity},
            "annotations": {"summary": alert.summary},
        }
        for alert in resolved.catalog.platform.alerts
    ]
    return [{"name": RULE_GROUP, "rules": rules}] if rules else []


def render_prometheus_rule(resolved: Resolved, component: Component) -> list[Manifest]:
    """The PrometheusRule holding ``platform.alerts``, for the component that provides ``metrics``."""
    groups = rule_groups(resolved)
    if "metrics" not in component.capabilities() or not groups:
        return []
    labels = {"app.kubernetes.io/part-of": "hearth", "app.kubernetes.io/managed-by": "hearth"}
    return [
        {
            "apiVersion": MONITORING_API,
            "kind": "PrometheusRule",
            "metadata": metadata("hearth-platform-alerts", component.namespace, labels),
            "spec": {"groups": groups},
        }
    ]


def render_rules_file(resolved: Resolved) -> dict[str, str]:
    """``prometheus/rules.yaml``: the alert rules as a plain Prometheus rules file; empty without alerts."""
    groups = rule_groups(resolved)
    if not groups:
        return {}
    text = yaml.safe_dump({"groups": groups}, sort_keys=False, default_flow_style=False, width=1000)
    return {RULES_FILE: "# Platform alerts, rendered by hearth from platform.alerts.\n" + text}
