"""Compliance: each chart and each workload against the platform's baseline, measured on the manifests.

A chart is a directory of ``charts/``; its objects are ``manifests/<component>.yaml`` and, for the companion of an
upstream chart, the stand-in Pods of ``cluster/upstream/`` that name the component. Its workloads are its pod
templates except Helm test Pods (which only count for the Helm-test feature and for NetworkPolicy coverage).

Features, per workload (a chart passes a feature when every workload it applies to passes):

``networkpolicy``
    a NetworkPolicy of the component's charts selects the pod (every pod of the chart, tests included): its own
    chart, or for an upstream component the chart of its NetworkPolicies released before it.
``service-account``
    ``serviceAccountName`` is set, is not ``default``, and the ServiceAccount is in the build.
``rbac``
    the ServiceAccount is bound (RoleBinding) to a Role granting only get/list/watch on pods/configmaps in core;
    a wider grant, or any ClusterRole binding, fails. Jobs/CronJobs without any binding pass (least privilege).
``service-monitor``
    applies when a port is metrics-named (``metrics``, ``prometheus`` or ``exporter`` in its name) or a monitor
    covers the pod: a ServiceMonitor/PodMonitor of the same chart reaches one of the pod's ports.
``pdb``
    a PodDisruptionBudget of the same chart selects the pod (Deployments, StatefulSets).
``helm-test``
    the chart has a ``templates/tests/`` Pod with a ``helm.sh/hook: test`` annotation (per chart).
``run-as-non-root``, ``no-privilege-escalation``, ``drop-all-capabilities``, ``seccomp-runtime-default``,
``read-only-root-filesystem``
    on every container and init container, effective values (container over pod). A departure is
    COMPLIANT-BY-EXCEPTION when the workload (pod template or object) carries an annotation
    ``hearth.dev/exception-<kind>[-<qualifier>]`` of a kind that explains it: ``run-as-root``; ``privileged``;
    ``capability`` (added capabilities) or ``privileged``; ``seccomp``; ``writable-root-filesystem``.
``probes``
    liveness and readiness probes on every container of long-running workloads.
``requests``, ``limits``
    cpu and memory, on every container and init container.

Upstream charts: only what hearth controls is measured (NetworkPolicy in its network chart, PDB and monitors in the
companion chart, its Helm test, requests on the stand-in); the rest is "not measurable offline (upstream chart)" and
never counted as passing.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from hearth.verify.build.fields import name_of, namespace_of, selector_matches
from hearth.verify.build.manifests import Document
from hearth.verify.build.model import Build, ChartInfo
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.build.workloads import REPLICATED
from hearth.verify.compliance.checks import (
    probes,
    rbac,
    resources,
    rule_wider,
    security,
    service_account,
    service_monitor,
)
from hearth.verify.compliance.results import (
    EXCEPTION,
    FAIL,
    FEATURES,
    NA,
    NM,
    NOT_MEASURABLE,
    PASS,
    ChartResult,
    Compliance,
    FeatureStatus,
    WorkloadResult,
)

__all__ = ["FEATURES", "ChartResult", "Compliance", "FeatureStatus", "WorkloadResult", "audit_compliance"]

#: What an upstream companion can be measured on offline; everything else is hidden in the upstream chart.
UPSTREAM_MEASURABLE = frozenset({"networkpolicy", "service-monitor", "pdb", "helm-test", "requests"})


def _objects(docs: Sequence[Document], kind: str) -> list[dict[str, Any]]:
    return [doc.obj for doc in docs if doc.kind == kind]


def _selected(objs: Sequence[Mapping[str, Any]], pod: PodTemplate, path: tuple[str, ...]) -> list[str]:
    """Names of objects (policies, PDBs) in the pod's namespace whose selector at ``path`` matches the pod."""
    out = []
    for obj in objs:
        selector: Any = obj
        for key in path:
            selector = (selector or {}).get(key)
        if namespace_of(obj) == pod.namespace and selector_matches(selector, pod.labels):
            out.append(name_of(obj))
    return out


def _component_policies(chart: ChartInfo, build: Build) -> list[dict[str, Any]]:
    """The NetworkPolicies of every chart of the chart's component (an upstream component's are a chart of their
    own, released before it, ``manifests/<component>-network.yaml``), read from the build."""
    names = {*build.chart_names_of(chart.component), chart.component}
    return [
        doc.obj
        for name in sorted(names)
        for doc in build.by_component_file.get(name, [])
        if doc.kind == "NetworkPolicy"
    ]


def _workload(pod: PodTemplate, chart: ChartInfo, docs: Sequence[Document], build: Build) -> WorkloadResult:
    policies = _component_policies(chart, build)
    pdbs = _objects(docs, "PodDisruptionBudget")
    monitors = [d.obj for d in docs if d.kind in ("ServiceMonitor", "PodMonitor")]
    features: dict[str, FeatureStatus] = {}
    selecting = _selected(policies, pod, ("spec", "podSelector"))
    features["networkpolicy"] = (
        FeatureStatus(PASS, ", ".join(selecting))
        if selecting
        else FeatureStatus(FAIL, "no NetworkPolicy of the component's charts selects it")
    )
    kind = pod.workload_kind
    if kind in REPLICATED:
        budgets = _selected(pdbs, pod, ("spec", "selector"))
        features["pdb"] = (
            FeatureStatus(PASS, ", ".join(budgets)) if budgets else FeatureStatus(FAIL, "no PodDisruptionBudget")
        )
    else:
        features["pdb"] = FeatureStatus(NA, f"{kind}")
    features["service-monitor"] = service_monitor(pod, build, monitors)
    features["helm-test"] = FeatureStatus(NA, "per chart")
    features["requests"] = resources(pod, "requests")
    if chart.upstream:
        for feature in FEATURES:
            if feature not in features:
                features[feature] = FeatureStatus(NM, NOT_MEASURABLE)
        features["limits"] = FeatureStatus(NM, NOT_MEASURABLE)
        return WorkloadResult(pod.endpoint, kind, features)
    features["service-account"], account = service_account(pod, build)
    features["rbac"] = rbac(pod, account, build)
    features.update(security(pod))
    features["probes"] = probes(pod)
    features["limits"] = resources(pod, "limits")
    return WorkloadResult(pod.endpoint, kind, features)


def _aggregate(cells: Sequence[FeatureStatus]) -> FeatureStatus:
    failing = [c.detail for c in cells if c.status == FAIL]
    if failing:
        return FeatureStatus(FAIL, "; ".join(failing))
    if any(c.status == NM for c in cells):
        return FeatureStatus(NM, NOT_MEASURABLE)
    if any(c.status == EXCEPTION for c in cells):
        return FeatureStatus(EXCEPTION, "; ".join(c.detail for c in cells if c.status == EXCEPTION))
    if any(c.status == PASS for c in cells):
        return FeatureStatus(PASS)
    return FeatureStatus(NA)


def _chart(chart: ChartInfo, build: Build) -> ChartResult | None:
    docs = build.by_component_file.get(chart.component, [])
    if chart.name not in (chart.component, f"{chart.component}-hearth"):
        # A further chart of the component (its bootstrap TLS chart, released before it): judged by what it
        # holds itself, in manifests/<chart>.yaml, not by the component's pods.
        pods = list(build.pods_in_file(f"manifests/{chart.name}.yaml"))
    else:
        pods = list(build.pods_in_file(f"manifests/{chart.component}.yaml"))
        if chart.upstream:
            pods += build.stand_ins_of(chart.component)
    workloads = [p for p in pods if not p.helm_test]
    if not workloads:
        return None
    results = [_workload(pod, chart, docs, build) for pod in sorted(workloads, key=lambda p: p.endpoint)]
    features = {feature: _aggregate([w.features[feature] for w in results]) for feature in FEATURES}
    tests = [p for p in pods if p.helm_test]
    if chart.test_files and tests:
        features["helm-test"] = FeatureStatus(PASS, ", ".join(p.endpoint for p in tests))
    else:
        features["helm-test"] = FeatureStatus(FAIL, f"no Helm test Pod in charts/{chart.name}/templates/tests/")
    policies = _component_policies(chart, build)
    unselected = [p.endpoint for p in tests if not _selected(policies, p, ("spec", "podSelector"))]
    if unselected and features["networkpolicy"].status != FAIL:
        features["networkpolicy"] = FeatureStatus(FAIL, f"test pods not selected: {', '.join(unselected)}")
    notes = []
    for role in _objects(docs, "Role"):
        wider = [w for r in role.get("rules") or [] if (w := rule_wider(r or {}))]
        if wider:
            notes.append(f"Role {namespace_of(role)}/{name_of(role)} grants {'; '.join(wider)}")
    return ChartResult(chart.name, chart.component, chart.upstream, features, results, notes)


def audit_compliance(build: Build) -> Compliance:
    """Measure every chart of the build (charts without workloads are listed apart)."""
    results, empty = [], []
    for name in sorted(build.charts):
        result = _chart(build.charts[name], build)
        if result is None:
            empty.append(name)
        else:
            results.append(result)
    return Compliance(results, empty)
