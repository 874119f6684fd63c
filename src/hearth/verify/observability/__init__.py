"""Observability: which components are scraped, which have alerts, whose logs are collected, which backups alert.

Measured from the rendered manifests only (the catalog is never read):

* **scraped**: a ``ServiceMonitor`` (its selector picks a Service in its namespaces, the endpoint's port is a Service
  port whose target the pod declares) or a ``PodMonitor`` (its selector picks the pod, the endpoint's ``port``,
  ``portNumber`` or ``targetPort`` is one the pod declares) selects one of the component's pods, and a metrics
  scraper (``hearth.dev/role: metrics-scraper``) may reach that port through the NetworkPolicies. A pod marked
  ``hearth.dev/monitored-by: chart`` is scraped by its upstream chart's own monitor (not in the build).
  A component *has metrics* when a pod declares a metrics-named port (``metrics``/``prometheus``), a monitor
  selects it, or its chart's monitor scrapes it; such a component that is not scraped fails the section;
* **alerts**: the rules of the ``PrometheusRule`` objects whose ``component`` label is the component or whose
  expression selects one of its scrape jobs (``job="..."``, ``job=~"a|b"``; the job of a PodMonitor target is
  ``<namespace>/<name>``, of a ServiceMonitor target the Service's name, unless ``jobLabel`` says otherwise);
  a component with metrics and no alert is a warning;
* **logs**: the pods with ``hearth.dev/role: log-collector``, a DaemonSet, run on the nodes their ``nodeSelector``
  and tolerations allow, and push to the Services of their ``hearth.dev/connects-to``; a component's logs are
  collected when every node its pods may run on has a collector and the collector may reach its store;
* **backups**: each Velero ``Schedule`` and dump ``CronJob`` and the rules that name it (``schedule="<name>"``,
  ``cronjob="<name>"``, ``job_name=~"<name>-.*"``); a rule on Velero's metrics naming no schedule watches them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hearth.verify.build.annotations import BACKUP_TARGET, MONITORED_BY
from hearth.verify.build.fields import as_list, as_mapping, name_of, namespace_of, pod_metrics_port, selector_matches
from hearth.verify.build.model import Build, NodeInfo
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.capacity.placement import tolerated
from hearth.verify.observability.report import BackupAlerts, ComponentSignals, Observability
from hearth.verify.reach import ReachMatrix, build_matrix

__all__ = ["BackupAlerts", "ComponentSignals", "Observability", "audit_observability"]

_METRICS_NAME = re.compile(r"metrics|prometheus")
_MATCHER = re.compile(r'(\w+)\s*(=~|=)\s*"([^"]*)"')
Target = tuple[str, str, int, str]  # (monitor, job, port, protocol)


def _targets(pod: PodTemplate, build: Build, monitors: Sequence[Mapping[str, Any]]) -> list[Target]:
    """Every (monitor, job, container port, protocol) by which a monitor scrapes the pod."""
    found: list[Target] = []
    for obj in monitors:
        spec = as_mapping(obj.get("spec"))
        ns_sel = as_mapping(spec.get("namespaceSelector"))
        names = ns_sel.get("matchNames") or [namespace_of(obj)]
        if not ns_sel.get("any") and pod.namespace not in names:
            continue
        label = f"{obj.get('kind')} {namespace_of(obj)}/{name_of(obj)}"
        job_label = spec.get("jobLabel")
        if obj.get("kind") == "PodMonitor":
            if not selector_matches(spec.get("selector"), pod.labels):
                continue
            job = pod.labels.get(str(job_label), "") if job_label else f"{namespace_of(obj)}/{name_of(obj)}"
            for endpoint in as_list(spec.get("podMetricsEndpoints")):
                port = pod.declared_port(pod_metrics_port(as_mapping(endpoint)))
                if port is not None:
                    found.append((label, job, port.number, port.protocol))
            continue
        for service in build.services:
            if service.namespace != pod.namespace or not selector_matches(spec.get("selector"), service.labels):
                continue
            if pod not in build.service_pods(service):
                continue
            job = service.labels.get(str(job_label), "") if job_label else service.name
            for endpoint in as_list(spec.get("endpoints")):
                endpoint = as_mapping(endpoint)
                sport = service.port(str(endpoint["port"])) if endpoint.get("port") is not None else None
                ref = sport.target if sport is not None else endpoint.get("targetPort")
                port = pod.declared_port(ref) if ref is not None else None
                if port is not None:
                    found.append((label, job, port.number, port.protocol))
    return found


def _rules(build: Build) -> list[Mapping[str, Any]]:
    rules: list[Mapping[str, Any]] = []
    for doc in build.of_kind("PrometheusRule"):
        for group in as_list(as_mapping(doc.obj.get("spec")).get("groups")):
            rules += [as_mapping(r) for r in as_list(as_mapping(group).get("rules")) if as_mapping(r).get("alert")]
    return rules


def _matched(expr: str, label: str) -> list[tuple[str, str]]:
    """(operator, value) of every matcher on ``label`` in a PromQL expression."""
    return [(op, value) for name, op, value in _MATCHER.findall(expr) if name == label]


def _selects(expr: str, label: str, value: str) -> bool:
    """Does a matcher on ``label`` select ``value`` (exactly, or by a regex)?"""
    for op, pattern in _matched(expr, label):
        if op == "=" and pattern == value:
            return True
        if op == "=~":
            try:
                if re.fullmatch(pattern, value):
                    return True
            except re.error:
                continue
    return False


def _nodes_for(pod: PodTemplate, nodes: Sequence[NodeInfo], *, daemon: bool) -> set[str]:
    """The nodes the pod may run on: nodeSelector matches, blocking taints tolerated (cordoned: DaemonSets only)."""
    selector = as_mapping(pod.spec.get("nodeSelector"))
    tolerations = as_list(pod.spec.get("tolerations"))
    out = set()
    for node in nodes:
        if node.unschedulable and not daemon:
            continue
        if any(node.labels.get(str(k)) != str(v) for k, v in selector.items()):
            continue
        blocking = [t for t in node.taints if t.get("effect") in ("NoSchedule", "NoExecute")]
        if all(tolerated(t, tolerations) for t in blocking):
            out.add(node.name)
    return out


def _store_problem(collector: PodTemplate, build: Build, matrix: ReachMatrix) -> str:
    """ "" when the collector may reach every pod behind its connects-to Services, else why not."""
    if not collector.connects_to:
        return f"{collector.endpoint} names no log store (hearth.dev/connects-to)"
    for target in collector.connects_to:
        key, _, ref = target.rpartition(":")
        service = build.services_by_key.get(key)
        port = service.port(ref) if service is not None else None
        if service is None or port is None:
            return f"{collector.endpoint} pushes to {target}, which the build does not have"
        for pod, number, protocol in build.target_ports(service, port):
            if not matrix.allowed(collector.endpoint, pod.endpoint, number, protocol):
                return f"{collector.endpoint} may not reach {pod.endpoint} on {number}/{protocol}"
    return ""


def _component(
    name: str, pods: list[PodTemplate], build: Build, matrix: ReachMatrix, monitors: Sequence[Mapping[str, Any]]
) -> tuple[ComponentSignals, set[str]]:
    scrapers = [p for p in build.pods if "metrics-scraper" in p.roles]
    signals = ComponentSignals(name, metrics=False)
    jobs: set[str] = set()
    for pod in pods:
        targets = _targets(pod, build, monitors)
        chart = pod.annotations.get(MONITORED_BY) == "chart"
        named = any(p.name and _METRICS_NAME.search(p.name) for p in pod.ports)
        signals.metrics |= bool(targets) or chart or named
        signals.by_chart |= chart
        for monitor, job, number, protocol in targets:
            jobs.add(job)
            if scrapers and not any(matrix.allowed(s.endpoint, pod.endpoint, number, protocol) for s in scrapers):
                signals.unscraped = f"{monitor} selects {pod.endpoint}:{number}, but no scraper may reach it"
                continue
            signals.scraped.append(f"{monitor} -> {pod.endpoint}:{number}")
    if signals.metrics and not signals.is_scraped and not signals.unscraped:
        signals.unscraped = "no ServiceMonitor or PodMonitor selects its pods on a port they declare"
    signals.scraped.sort()
    return signals, jobs


def audit_observability(build: Build, matrix: ReachMatrix | None = None) -> Observability:
    """Measure scraping, alerting, log collection and backup alerts on one build."""
    result = Observability()
    if matrix is None:
        matrix = build_matrix(build.documents)
    monitors = [d.obj for d in build.of_kind("ServiceMonitor", "PodMonitor")]
    rules = _rules(build)
    if not any("metrics-scraper" in p.roles for p in build.pods):
        result.notes.append("no pod carries hearth.dev/role: metrics-scraper: scraping measured on the monitors only")
    collectors = [p for p in build.pods if "log-collector" in p.roles and not p.helm_test]
    result.collectors = sorted(p.endpoint for p in collectors)
    nodes = build.nodes
    covered: set[str] = set()
    store_problems = []
    for collector in collectors:
        if collector.workload_kind != "DaemonSet":
            store_problems.append(f"{collector.endpoint} is a {collector.workload_kind}, not one per node")
            continue
        problem = _store_problem(collector, build, matrix)
        if problem:
            store_problems.append(problem)
        else:
            covered |= _nodes_for(collector, nodes, daemon=True)
    by_component: dict[str, list[PodTemplate]] = {}
    for pod in build.pods:
        if pod.component and pod.long_running:
            by_component.setdefault(pod.component, []).append(pod)
    for name in sorted(by_component):
        pods = by_component[name]
        signals, jobs = _component(name, pods, build, matrix, monitors)
        signals.alerts = sorted(
            str(r["alert"])
            for r in rules
            if as_mapping(r.get("labels")).get("component") == name
            or any(_selects(str(r.get("expr", "")), "job", job) for job in jobs)
        )
        if not collectors:
            signals.logs = "no log collector in the build (hearth.dev/role: log-collector)"
        elif not covered:
            signals.logs = "; ".join(store_problems)
        else:
            daemon = any(p.workload_kind == "DaemonSet" for p in pods)
            missing = sorted(set().union(*(_nodes_for(p, nodes, daemon=daemon) for p in pods)) - covered)
            signals.logs = f"no collector on {', '.join(missing)}" if missing else ""
        result.components.append(signals)
        for namespace in sorted({p.namespace for p in pods}):
            missing = result.namespaces.setdefault(namespace, [])
            if signals.logs:
                missing.append(name)
    result.namespaces = dict(sorted(result.namespaces.items()))
    result.backups = _backup_alerts(build, rules)
    return result


def _backup_alerts(build: Build, rules: list[Mapping[str, Any]]) -> list[BackupAlerts]:
    out = []
    for doc in build.of_kind("Schedule"):
        if not str(doc.obj.get("apiVersion", "")).startswith("velero.io/"):
            continue
        name = name_of(doc.obj)
        alerts = sorted(
            str(r["alert"])
            for r in rules
            if _selects(str(r.get("expr", "")), "schedule", name)
            or ("velero_" in str(r.get("expr", "")) and not _matched(str(r.get("expr", "")), "schedule"))
        )
        out.append(BackupAlerts("velero", f"{namespace_of(doc.obj)}/{name}", alerts))
    for job in build.pods:
        if job.kind != "CronJob" or BACKUP_TARGET not in job.object_annotations:
            continue
        alerts = sorted(
            str(r["alert"])
            for r in rules
            if _selects(str(r.get("expr", "")), "cronjob", job.name)
            or _selects(str(r.get("expr", "")), "job_name", f"{job.name}-29000000")  # a Job the CronJob starts
        )
        out.append(BackupAlerts("dump", job.endpoint, alerts))
    return sorted(out, key=lambda b: (b.kind, b.name))
