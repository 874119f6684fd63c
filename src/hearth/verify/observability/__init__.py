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
from hearth.verify.build.fields import as_list, as_mapping, name_of, namespace_of, pod_metrics_port
from hearth.verify.build.model import Build, NodeInfo, ServiceInfo
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.capacity.placement import tolerated
from hearth.verify.observability.report import BackupAlerts, ComponentSignals, Observability
from hearth.verify.observability.rules import RuleIndex
from hearth.verify.reach import ReachMatrix

__all__ = ["BackupAlerts", "ComponentSignals", "Observability", "audit_observability"]

_METRICS_NAME = re.compile(r"metrics|prometheus")
Target = tuple[str, str, int, str]  # (monitor, job, port, protocol)


Hit = tuple[Mapping[str, Any], ServiceInfo | None]  # (monitor, the Service a ServiceMonitor selects the pod through)


def _monitor_hits(build: Build, monitors: Sequence[Mapping[str, Any]]) -> dict[int, list[Hit]]:
    """For each pod (by ``id``), the monitors whose selector picks it (a PodMonitor directly, a ServiceMonitor
    through each Service it selects in the monitor's namespaces), in monitor order, then Service order.

    Computed once per build from the label indexes, so a pod's monitors cost what they are, not a scan."""
    hits: dict[int, list[Hit]] = {}
    for obj in monitors:
        spec = as_mapping(obj.get("spec"))
        ns_sel = as_mapping(spec.get("namespaceSelector"))
        named = ns_sel.get("matchNames") or [namespace_of(obj)]
        names: list[str | None] = (
            [None] if ns_sel.get("any") else list(dict.fromkeys(n for n in as_list(named) if isinstance(n, str)))
        )
        for namespace in names:
            if obj.get("kind") == "PodMonitor":
                for pod in build.pod_labels.select(namespace, spec.get("selector")):
                    hits.setdefault(id(pod), []).append((obj, None))
                continue
            for service in build.service_labels.select(namespace, spec.get("selector")):
                for pod in build.service_pods(service):
                    hits.setdefault(id(pod), []).append((obj, service))
    return hits


def _targets(pod: PodTemplate, hits: Mapping[int, list[Hit]]) -> list[Target]:
    """Every (monitor, job, container port, protocol) by which a monitor scrapes the pod."""
    found: list[Target] = []
    for obj, service in hits.get(id(pod), []):
        spec = as_mapping(obj.get("spec"))
        label = f"{obj.get('kind')} {namespace_of(obj)}/{name_of(obj)}"
        job_label = spec.get("jobLabel")
        if service is None:
            job = pod.labels.get(str(job_label), "") if job_label else f"{namespace_of(obj)}/{name_of(obj)}"
            for endpoint in as_list(spec.get("podMetricsEndpoints")):
                port = pod.declared_port(pod_metrics_port(as_mapping(endpoint)))
                if port is not None:
                    found.append((label, job, port.number, port.protocol))
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
    name: str, pods: list[PodTemplate], matrix: ReachMatrix, hits: Mapping[int, list[Hit]], scrapers: list[PodTemplate]
) -> tuple[ComponentSignals, set[str]]:
    signals = ComponentSignals(name, metrics=False)
    jobs: set[str] = set()
    for pod in pods:
        targets = _targets(pod, hits)
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
        matrix = build.reach()
    hits = _monitor_hits(build, [d.obj for d in build.of_kind("ServiceMonitor", "PodMonitor")])
    rules = RuleIndex(_rules(build))
    scrapers = [p for p in build.pods if "metrics-scraper" in p.roles]
    if not scrapers:
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
        signals, jobs = _component(name, pods, matrix, hits, scrapers)
        signals.alerts = rules.alerts(rules.of_component(name).union(*(rules.selecting("job", job) for job in jobs)))
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


def _backup_alerts(build: Build, rules: RuleIndex) -> list[BackupAlerts]:
    out = []
    unnamed = rules.without_matcher("schedule", "velero_")  # a rule on Velero's metrics naming no schedule
    for doc in build.of_kind("Schedule"):
        if not str(doc.obj.get("apiVersion", "")).startswith("velero.io/"):
            continue
        name = name_of(doc.obj)
        alerts = rules.alerts(rules.selecting("schedule", name) | unnamed)
        out.append(BackupAlerts("velero", f"{namespace_of(doc.obj)}/{name}", alerts))
    for job in build.pods:
        if job.kind != "CronJob" or BACKUP_TARGET not in job.object_annotations:
            continue
        own = rules.selecting("cronjob", job.name)
        started = rules.selecting("job_name", f"{job.name}-29000000")  # a Job the CronJob starts
        alerts = rules.alerts(own | started)
        out.append(BackupAlerts("dump", job.endpoint, alerts))
    return sorted(out, key=lambda b: (b.kind, b.name))
