"""Metrics: a ServiceMonitor per scraped pod Service, and the platform's alerts as a PrometheusRule.

A pod is scraped where ``hearth.resolve`` says (``Pod.metrics``): the component's ``metrics`` on the pod carrying
that port, or a chart pod's own ``metrics``. Each scraped pod gets a ServiceMonitor named after its Service that
selects it: for a hearth-rendered component the Service's selector labels, for an upstream-chart pod the labels of
the stand-in Service that ``hearth.render.cluster`` writes for that pod. They go into the component's (companion)
chart.

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
from hearth.resolve import Resolved, providers, selector_labels, standard_labels

MONITORING_API = "monitoring.coreos.com/v1"
RULE_GROUP = "hearth.platform"
RULES_FILE = "prometheus/rules.yaml"


def render_service_monitor(resolved: Resolved, component: Component) -> list[Manifest]:
    """One ServiceMonitor per scraped pod Service of the component; none without a metrics provider."""
    if not providers(resolved, "metrics"):
        return []
    out: list[Manifest] = []
    seen: set[str] = set()
    for pod in resolved.pods_of(component.name):
        if pod.metrics is None or pod.service in seen:
            continue
        seen.add(pod.service)
        selector = dict(pod.labels) if pod.upstream else selector_labels(component)
        out.append(
            {
                "apiVersion": MONITORING_API,
                "kind": "ServiceMonitor",
                "metadata": metadata(pod.service, component.namespace, standard_labels(component)),
                "spec": {
                    "selector": {"matchLabels": dict(sorted(selector.items()))},
                    "namespaceSelector": {"matchNames": [component.namespace]},
                    "endpoints": [
                        {
                            "port": pod.metrics.port,
                            "path": pod.metrics.path,
                            "interval": resolved.catalog.platform.scrape_interval,
                            "scheme": "http",
                        }
                    ],
                },
            }
        )
    return out


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
