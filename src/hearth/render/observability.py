"""Metrics: a monitor per scraped pod, and the platform's alerts as a PrometheusRule.

A pod is scraped where ``hearth.resolve`` says (``Pod.metrics``): the component's ``metrics`` on the pod carrying
that port, or a chart pod's own ``metrics``. The monitors go into the component's (companion) chart:

* a hearth-rendered component gets a ServiceMonitor named after its Service, selecting the Service's selector
  labels, on the port's name: the Service is hearth's own;
* a pod an upstream chart creates gets a PodMonitor selecting the pod's labels (``ChartPod.labels``, as the chart's
  templates apply them) in its namespace, on the container port's number (``portNumber``, prometheus-operator
  >= v0.79). That rests on the same facts as the NetworkPolicies and on nothing the real chart may name
  differently: its Services, their labels and port names are not hearth's. The chart's own monitors are switched
  off in ``install.values``, so nothing is scraped twice.

Where the catalog states ``metrics.scraped_by: chart`` (the chart's own monitor must stay: a pod that does not
declare its metrics port, which a PodMonitor cannot select; rules and dashboards of the chart that select the job
names of its own monitors), hearth renders no monitor for that pod and marks it ``hearth.dev/monitored-by: chart``.

The alerts of ``platform.alerts`` become one PrometheusRule in the chart of the component providing
``metrics``, and the same rule groups as a plain Prometheus rules file (``prometheus/rules.yaml``) that
``promtool check rules`` and ``promtool test rules`` read. Alert summaries keep ``{{ $labels.x }}`` literally:
Prometheus expands them; the chart writer escapes ``{{`` so Helm does not.
"""

from __future__ import annotations

from typing import Any

import yaml

from hearth.catalog.models import Component
from hearth.contract import HEARTH_LABELS
from hearth.render.bootstrap_tls import CA_KEY, serves_tls, trust_secret
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.render.package.write import SAFE_DUMPER
from hearth.resolve.endpoints import providers
from hearth.resolve.pods import selector_labels, standard_labels
from hearth.resolve.records import Pod, Resolved

MONITORING_API = "monitoring.coreos.com/v1"
RULE_GROUP = "hearth.platform"
RULES_FILE = "prometheus/rules.yaml"
# Keys under which Helm charts switch their own prometheus-operator monitors on: ``serviceMonitor`` / ``podMonitor``
# (most charts; cert-manager spells them in lowercase) and ``monitor`` (prometheus-community's exporter charts),
# each with ``enabled: true``, or kube-prometheus-stack's ``serviceMonitor.selfMonitor: true``.


def _endpoint(resolved: Resolved, pod: Pod) -> dict[str, Any]:
    """Path, interval and scheme of a scrape; https verified with the bootstrap CA's copy in the pod's namespace
    (and the name the certificate carries) where the pod's listener serves TLS from it."""
    assert pod.metrics is not None
    endpoint: dict[str, Any] = {
        "path": pod.metrics.path,
        "interval": resolved.catalog.platform.scrape_interval,
        "scheme": "http",
    }
    component = resolved.component(pod.component)
    if serves_tls(component, pod.metrics.port):
        endpoint["scheme"] = "https"
        endpoint["tlsConfig"] = {
            "ca": {"secret": {"name": trust_secret(component), "key": CA_KEY}},
            "serverName": f"{pod.service}.{pod.namespace}.svc",
        }
    return endpoint


def _service_monitor(resolved: Resolved, component: Component, pod: Pod) -> Manifest:
    """A hearth-rendered pod, through hearth's own Service: its selector labels, the port by name."""
    assert pod.metrics is not None
    return {
        "apiVersion": MONITORING_API,
        "kind": "ServiceMonitor",
        "metadata": metadata(pod.service, component.namespace, standard_labels(component)),
        "spec": {
            "selector": {"matchLabels": dict(sorted(selector_labels(component).items()))},
            "namespaceSelector": {"matchNames": [component.namespace]},
            "endpoints": [{"port": pod.metrics.port, **_endpoint(resolved, pod)}],
        },
    }


def _pod_monitor(resolved: Resolved, component: Component, pod: Pod, name: str) -> Manifest:
    """An upstream chart's pod, directly: the labels the chart applies to it, the container port by number."""
    assert pod.metrics is not None
    number = next(p.port for p in pod.ports if p.name == pod.metrics.port)
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": metadata(name, pod.namespace, standard_labels(component)),
        "spec": {
            "selector": {"matchLabels": dict(sorted(pod.labels.items()))},
            "namespaceSelector": {"matchNames": [pod.namespace]},
            "podMetricsEndpoints": [{"portNumber": number, **_endpoint(resolved, pod)}],
        },
    }


def render_service_monitor(resolved: Resolved, component: Component) -> list[Manifest]:
    """A monitor per scraped pod of the component (module docstring); none without a metrics provider.

    ServiceMonitors for hearth's own Services, PodMonitors for the pods of an upstream chart, none where the
    chart's own monitors stay on.
    """
    if not providers(resolved, "metrics"):
        return []
    out: list[Manifest] = []
    names: set[str] = set()
    for pod in resolved.pods_of(component.name):
        if pod.metrics is None or pod.metrics.scraped_by == "chart":
            continue
        if not pod.upstream:
            if pod.service not in names:
                names.add(pod.service)
                out.append(_service_monitor(resolved, component, pod))
            continue
        name = pod.service if pod.service not in names else f"{component.name}-{pod.name}"
        names.add(name)
        out.append(_pod_monitor(resolved, component, pod, name))
    return out


def rule_groups(resolved: Resolved) -> list[dict[str, Any]]:
    """The platform's alerts as Prometheus rule groups (the shape of a rules file and of a PrometheusRule spec)."""
    from hearth.render.alerting import alert_groups  # imports this module's monitors

    rules = [
        {
            "alert": alert.name,
            "expr": alert.expr,
            "for": alert.for_,
            "labels": {"severity": alert.severity},
            "annotations": {"summary": alert.summary, **({"runbook": alert.runbook} if alert.runbook else {})},
        }
        for alert in resolved.catalog.platform.alerts
    ]
    return ([{"name": RULE_GROUP, "rules": rules}] if rules else []) + alert_groups(resolved)


def render_prometheus_rule(resolved: Resolved, component: Component) -> list[Manifest]:
    """The PrometheusRule holding ``platform.alerts``, for the component that provides ``metrics``."""
    if "metrics" not in component.capabilities():
        return []
    groups = rule_groups(resolved)
    if not groups:
        return []
    labels = dict(HEARTH_LABELS)
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
    text = yaml.dump({"groups": groups}, Dumper=SAFE_DUMPER, sort_keys=False, default_flow_style=False, width=1000)
    return {RULES_FILE: "# Platform alerts, rendered by hearth from platform.alerts.\n" + text}
