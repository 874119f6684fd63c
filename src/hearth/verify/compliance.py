"""Compliance: each chart and each workload against the platform's baseline, measured on the manifests.

A chart is a directory of ``charts/``; its objects are ``manifests/<component>.yaml`` and, for the companion of an
upstream chart, the stand-in Pods of ``cluster/upstream/`` that name the component. Its workloads are its pod
templates except Helm test Pods (which only count for the Helm-test feature and for NetworkPolicy coverage).

Features, per workload (a chart passes a feature when every workload it applies to passes):

``networkpolicy``
    a NetworkPolicy of the same chart selects the pod (every pod of the chart, tests included).
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

Upstream charts: only what hearth controls is measured (NetworkPolicy, PDB and monitors in the companion chart,
its Helm test, requests on the stand-in); the rest is "not measurable offline (upstream chart)" and never
counted as passing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from hearth.verify.audit import ANNOTATION, Build, ChartInfo, PodTemplate, selector_matches
from hearth.verify.manifests import Document

__all__ = ["FEATURES", "ChartResult", "Compliance", "FeatureStatus", "WorkloadResult", "audit_compliance"]

FEATURES = (
    "networkpolicy",
    "service-account",
    "rbac",
    "service-monitor",
    "pdb",
    "helm-test",
    "run-as-non-root",
    "no-privilege-escalation",
    "drop-all-capabilities",
    "seccomp-runtime-default",
    "read-only-root-filesystem",
    "probes",
    "requests",
    "limits",
)
SECURITY_FEATURES = FEATURES[6:11]
#: What an upstream companion can be measured on offline; everything else is hidden in the upstream chart.
UPSTREAM_MEASURABLE = frozenset({"networkpolicy", "service-monitor", "pdb", "helm-test", "requests"})
NOT_MEASURABLE = "not measurable offline (upstream chart)"
EXCEPTION_KINDS: dict[str, tuple[str, ...]] = {
    "run-as-non-root": ("run-as-root",),
    "no-privilege-escalation": ("privileged",),
    "drop-all-capabilities": ("capability", "privileged"),
    "seccomp-runtime-default": ("seccomp",),
    "read-only-root-filesystem": ("writable-root-filesystem",),
}
_METRICS_NAME = re.compile(r"metrics|prometheus|exporter")
_READ_VERBS = frozenset({"get", "list", "watch"})
_READ_RESOURCES = frozenset({"pods", "configmaps"})
_EXCEPTION = f"{ANNOTATION}/exception-"

PASS, FAIL, EXCEPTION, NA, NM = "pass", "fail", "exception", "n/a", "n/m"


@dataclass(frozen=True)
class FeatureStatus:
    """A feature's verdict for one workload or chart: pass, exception, fail, n/a (does not apply) or n/m."""

    status: str
    detail: str = ""

    @property
    def compliant(self) -> bool:
        """Passing, or departing with a stated exception."""
        return self.status in (PASS, EXCEPTION)

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"status": self.status, "detail": self.detail}


@dataclass
class WorkloadResult:
    """Every feature's verdict for one workload."""

    endpoint: str
    kind: str
    features: dict[str, FeatureStatus]

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "workload": self.endpoint,
            "kind": self.kind,
            "features": {name: self.features[name].to_json() for name in FEATURES},
        }


@dataclass
class ChartResult:
    """A chart's verdicts: aggregated per feature over its workloads, and the workloads themselves."""

    chart: str
    component: str
    upstream: bool
    features: dict[str, FeatureStatus]
    workloads: list[WorkloadResult]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "chart": self.chart,
            "component": self.component,
            "upstream": self.upstream,
            "features": {name: self.features[name].to_json() for name in FEATURES},
            "workloads": [w.to_json() for w in self.workloads],
            "notes": self.notes,
        }


def _ratio(charts: Sequence[ChartResult], feature: str) -> dict[str, object]:
    cells = [c.features[feature] for c in charts]
    if cells and all(cell.status == NM for cell in cells):
        return {"passing": None, "applicable": None, "percent": None, "text": NM}
    applicable = [cell for cell in cells if cell.status not in (NA, NM)]
    passing = sum(1 for cell in applicable if cell.compliant)
    percent = round(100 * passing / len(applicable), 1) if applicable else None
    text = f"{passing}/{len(applicable)} ({percent:g}%)" if percent is not None else "-"
    return {"passing": passing, "applicable": len(applicable), "percent": percent, "text": text}


@dataclass
class Compliance:
    """Section 2 of ``hearth check``: per chart, per workload, and the feature table."""

    charts: list[ChartResult]
    without_workloads: list[str]

    @property
    def hearth_charts(self) -> list[ChartResult]:
        """Charts of components hearth renders (with workloads)."""
        return [c for c in self.charts if not c.upstream]

    @property
    def upstream_charts(self) -> list[ChartResult]:
        """Companion charts of upstream components (with stand-ins)."""
        return [c for c in self.charts if c.upstream]

    def feature_table(self) -> dict[str, dict[str, dict[str, object]]]:
        """``{feature: {"hearth": ratio, "upstream": ratio}}``; a ratio has passing, applicable, percent, text."""
        return {
            feature: {"hearth": _ratio(self.hearth_charts, feature), "upstream": _ratio(self.upstream_charts, feature)}
            for feature in FEATURES
        }

    def lowest_feature(self) -> tuple[str, float] | None:
        """The hearth-chart feature with the lowest percentage (ties: first in FEATURES order)."""
        scored = [
            (feature, float(ratio["hearth"]["percent"]))  # type: ignore[arg-type]
            for feature, ratio in self.feature_table().items()
            if ratio["hearth"]["percent"] is not None
        ]
        return min(scored, key=lambda item: item[1]) if scored else None

    @property
    def failed(self) -> bool:
        """Any measured feature failing on any chart."""
        return any(cell.status == FAIL for chart in self.charts for cell in chart.features.values())

    def summary(self) -> str:
        """One line."""
        failing = sorted({c.chart for c in self.charts if any(f.status == FAIL for f in c.features.values())})
        return (
            f"{len(self.hearth_charts)} hearth charts and {len(self.upstream_charts)} upstream companions with "
            f"workloads; {len(failing)} charts fail a feature"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "features": self.feature_table(),
            "charts": [c.to_json() for c in self.charts],
            "charts_without_workloads": self.without_workloads,
        }

    def tables(self) -> Iterator[Table]:
        """The feature table, then one row per chart with a mark per feature."""
        table = Table(title="Compliance per feature (charts passing / charts it applies to)", title_justify="left")
        table.add_column("Feature")
        table.add_column("hearth charts", justify="right")
        table.add_column("upstream companions", justify="right")
        for feature, ratio in self.feature_table().items():
            upstream = str(ratio["upstream"]["text"])
            table.add_row(feature, str(ratio["hearth"]["text"]), NOT_MEASURABLE if upstream == NM else upstream)
        yield table
        marks = {
            PASS: "[green]ok[/green]",
            EXCEPTION: "[yellow]exc[/yellow]",
            FAIL: "[red]FAIL[/red]",
            NA: "-",
            NM: "n/m",
        }
        grid = Table(
            title="Compliance per chart (exc: compliant by stated exception; n/m: not measurable)", title_justify="left"
        )
        grid.add_column("Chart")
        for index, _ in enumerate(FEATURES, 1):
            grid.add_column(str(index), justify="center")
        for chart in self.charts:
            grid.add_row(chart.chart, *(marks[chart.features[f].status] for f in FEATURES))
        grid.caption = "  ".join(f"{i}={f}" for i, f in enumerate(FEATURES, 1))
        yield grid
        failures = Table(title="Compliance failures", title_justify="left")
        for column in ("Workload", "Feature", "Detail"):
            failures.add_column(column)
        for chart in self.charts:
            for workload in chart.workloads:
                for feature in FEATURES:
                    cell = workload.features[feature]
                    if cell.status == FAIL:
                        failures.add_row(workload.endpoint, feature, cell.detail)
            if chart.features["helm-test"].status == FAIL:
                failures.add_row(chart.chart, "helm-test", chart.features["helm-test"].detail)
            if chart.features["networkpolicy"].status == FAIL and not any(
                w.features["networkpolicy"].status == FAIL for w in chart.workloads
            ):
                failures.add_row(chart.chart, "networkpolicy", chart.features["networkpolicy"].detail)
        if failures.row_count:
            yield failures


# --------------------------------------------------------------------------- measuring


def _objects(docs: Sequence[Document], kind: str) -> list[dict[str, Any]]:
    return [doc.obj for doc in docs if doc.kind == kind]


def _ns(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _selected(objs: Sequence[Mapping[str, Any]], pod: PodTemplate, path: tuple[str, ...]) -> list[str]:
    """Names of objects (policies, PDBs) in the pod's namespace whose selector at ``path`` matches the pod."""
    out = []
    for obj in objs:
        selector: Any = obj
        for key in path:
            selector = (selector or {}).get(key)
        if _ns(obj) == pod.namespace and selector_matches(selector, pod.labels):
            out.append(_name(obj))
    return out


def _exceptions(pod: PodTemplate) -> dict[str, str]:
    """``{kind-and-qualifier: reason}`` of the workload's ``hearth.dev/exception-*`` annotations."""
    found = {}
    for stated in (pod.object_annotations, pod.annotations):
        for key, value in stated.items():
            if key.startswith(_EXCEPTION):
                found[key.removeprefix(_EXCEPTION)] = value
    return found


def _excused(feature: str, exceptions: Mapping[str, str]) -> str | None:
    for kind in EXCEPTION_KINDS[feature]:
        for key, reason in sorted(exceptions.items()):
            if key == kind or key.startswith(f"{kind}-"):
                return f"exception-{key}: {reason}"
    return None


def _security(pod: PodTemplate) -> dict[str, FeatureStatus]:
    pod_ctx = pod.spec.get("securityContext") or {}
    departures: dict[str, list[str]] = {feature: [] for feature in SECURITY_FEATURES}
    for container in pod.containers():
        ctx = container.get("securityContext") or {}
        name = str(container.get("name", "?"))
        non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
        user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
        if non_root is not True or user == 0:
            departures["run-as-non-root"].append(f"{name}: runAsNonRoot={non_root}, runAsUser={user}")
        if ctx.get("allowPrivilegeEscalation") is not False or ctx.get("privileged"):
            departures["no-privilege-escalation"].append(
                f"{name}: allowPrivilegeEscalation={ctx.get('allowPrivilegeEscalation')}"
                + (", privileged" if ctx.get("privileged") else "")
            )
        caps = ctx.get("capabilities") or {}
        drop = {str(c).upper() for c in caps.get("drop") or []}
        added = sorted(str(c) for c in caps.get("add") or [])
        if "ALL" not in drop or added:
            departures["drop-all-capabilities"].append(
                f"{name}: drop={sorted(drop)}" + (f", add={added}" if added else "")
            )
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp != "RuntimeDefault":
            departures["seccomp-runtime-default"].append(f"{name}: seccompProfile={seccomp}")
        if ctx.get("readOnlyRootFilesystem") is not True:
            departures["read-only-root-filesystem"].append(
                f"{name}: readOnlyRootFilesystem={ctx.get('readOnlyRootFilesystem')}"
            )
    exceptions = _exceptions(pod)
    out = {}
    for feature, found in departures.items():
        if not found:
            out[feature] = FeatureStatus(PASS)
            continue
        reason = _excused(feature, exceptions)
        detail = "; ".join(found)
        out[feature] = FeatureStatus(EXCEPTION, f"{detail} ({reason})") if reason else FeatureStatus(FAIL, detail)
    return out


def _resources(pod: PodTemplate, kind: str) -> FeatureStatus:
    lacking = []
    for container in pod.containers():
        amounts = (container.get("resources") or {}).get(kind) or {}
        missing = [r for r in ("cpu", "memory") if amounts.get(r) in (None, "")]
        if missing:
            lacking.append(f"{container.get('name', '?')}: no {kind} {'/'.join(missing)}")
    return FeatureStatus(FAIL, "; ".join(lacking)) if lacking else FeatureStatus(PASS)


def _probes(pod: PodTemplate) -> FeatureStatus:
    if not pod.long_running:
        return FeatureStatus(NA, "not a long-running workload")
    lacking = []
    for container in pod.containers(init=False):
        missing = [p for p in ("livenessProbe", "readinessProbe") if not container.get(p)]
        if missing:
            lacking.append(f"{container.get('name', '?')}: no {'/'.join(missing)}")
    return FeatureStatus(FAIL, "; ".join(lacking)) if lacking else FeatureStatus(PASS)


def _service_account(pod: PodTemplate, build: Build) -> tuple[FeatureStatus, str | None]:
    name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount")
    if not name or name == "default":
        return FeatureStatus(FAIL, "runs as the namespace's default ServiceAccount"), None
    exists = any(
        doc.kind == "ServiceAccount" and _ns(doc.obj) == pod.namespace and _name(doc.obj) == name
        for doc in build.documents
    )
    if not exists:
        return FeatureStatus(FAIL, f"ServiceAccount {pod.namespace}/{name} is not in the build"), str(name)
    return FeatureStatus(PASS, str(name)), str(name)


def _rule_wider(rule: Mapping[str, Any]) -> str | None:
    groups = {str(g) for g in rule.get("apiGroups") or []}
    resources = {str(r) for r in rule.get("resources") or []}
    verbs = {str(v) for v in rule.get("verbs") or []}
    if rule.get("nonResourceURLs"):
        return f"nonResourceURLs {rule['nonResourceURLs']}"
    if groups - {""} or resources - _READ_RESOURCES or verbs - _READ_VERBS:
        return f"{sorted(verbs)} on {sorted(resources)} in groups {sorted(groups)}"
    return None


def _rbac(pod: PodTemplate, account: str | None, build: Build) -> FeatureStatus:
    if account is None:
        return FeatureStatus(FAIL, "no ServiceAccount of its own to bind")
    roles = {(_ns(doc.obj), _name(doc.obj)): doc.obj for doc in build.documents if doc.kind == "Role"}
    bound, wider = [], []
    for doc in build.documents:
        if doc.kind not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        subjects = doc.obj.get("subjects") or []
        if not any(
            (s or {}).get("kind") == "ServiceAccount"
            and (s or {}).get("name") == account
            and ((s or {}).get("namespace") or _ns(doc.obj)) == pod.namespace
            for s in subjects
        ):
            continue
        ref = doc.obj.get("roleRef") or {}
        if doc.kind == "ClusterRoleBinding" or ref.get("kind") == "ClusterRole":
            wider.append(f"{doc.kind} {_name(doc.obj)} -> ClusterRole {ref.get('name')}")
            continue
        if doc.kind == "RoleBinding" and _ns(doc.obj) != pod.namespace:
            continue
        role = roles.get((_ns(doc.obj), str(ref.get("name"))))
        if role is None:
            wider.append(f"RoleBinding {_name(doc.obj)} -> Role {ref.get('name')} not in the build")
            continue
        bound.append(str(ref.get("name")))
        wider += [f"Role {ref.get('name')}: {w}" for r in role.get("rules") or [] if (w := _rule_wider(r or {}))]
    if wider:
        return FeatureStatus(FAIL, "wider than read-only pods/configmaps: " + "; ".join(wider))
    if not bound:
        if not pod.long_running:
            return FeatureStatus(PASS, "no API access granted")
        return FeatureStatus(FAIL, f"no Role bound to ServiceAccount {account}")
    return FeatureStatus(PASS, "Role " + ", ".join(sorted(set(bound))))


def _monitored(pod: PodTemplate, build: Build, monitors: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of ServiceMonitors/PodMonitors (of the chart) that scrape one of the pod's ports."""
    found = []
    for obj in monitors:
        spec = obj.get("spec") or {}
        ns_sel = spec.get("namespaceSelector") or {}
        namespaces = None if ns_sel.get("any") else set(ns_sel.get("matchNames") or [_ns(obj)])
        if namespaces is not None and pod.namespace not in namespaces:
            continue
        if obj.get("kind") == "PodMonitor":
            if selector_matches(spec.get("selector"), pod.labels):
                refs = [e.get("port", e.get("targetPort")) for e in spec.get("podMetricsEndpoints") or [] if e]
                if any(_pod_has_port(pod, ref) for ref in refs):
                    found.append(f"PodMonitor {_name(obj)}")
            continue
        for service in build.services:
            if service.namespace != pod.namespace or not selector_matches(spec.get("selector"), service.labels):
                continue
            if pod not in build.service_pods(service):
                continue
            for endpoint in spec.get("endpoints") or []:
                endpoint = endpoint or {}
                port = service.port(str(endpoint["port"])) if endpoint.get("port") is not None else None
                target = port.target if port is not None else endpoint.get("targetPort")
                if target is not None and _pod_has_port(pod, target):
                    found.append(f"ServiceMonitor {_name(obj)}")
    return sorted(set(found))


def _pod_has_port(pod: PodTemplate, ref: object) -> bool:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return any(p.number == int(ref) for p in pod.ports)
    return pod.port_named(str(ref)) is not None


def _workload(pod: PodTemplate, chart: ChartInfo, docs: Sequence[Document], build: Build) -> WorkloadResult:
    policies = _objects(docs, "NetworkPolicy")
    pdbs = _objects(docs, "PodDisruptionBudget")
    monitors = [d.obj for d in docs if d.kind in ("ServiceMonitor", "PodMonitor")]
    features: dict[str, FeatureStatus] = {}
    selecting = _selected(policies, pod, ("spec", "podSelector"))
    features["networkpolicy"] = (
        FeatureStatus(PASS, ", ".join(selecting))
        if selecting
        else FeatureStatus(FAIL, "no NetworkPolicy of the chart selects it")
    )
    kind = pod.workload_kind
    if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        budgets = _selected(pdbs, pod, ("spec", "selector"))
        features["pdb"] = (
            FeatureStatus(PASS, ", ".join(budgets)) if budgets else FeatureStatus(FAIL, "no PodDisruptionBudget")
        )
    else:
        features["pdb"] = FeatureStatus(NA, f"{kind}")
    scraped = _monitored(pod, build, monitors)
    metrics_ports = [p.name for p in pod.ports if p.name and _METRICS_NAME.search(p.name)]
    if scraped:
        features["service-monitor"] = FeatureStatus(PASS, ", ".join(scraped))
    elif metrics_ports:
        features["service-monitor"] = FeatureStatus(FAIL, f"metrics port {', '.join(metrics_ports)} but no monitor")
    else:
        features["service-monitor"] = FeatureStatus(NA, "no metrics-named port")
    features["helm-test"] = FeatureStatus(NA, "per chart")
    features["requests"] = _resources(pod, "requests")
    if chart.upstream:
        for feature in FEATURES:
            if feature not in features:
                features[feature] = FeatureStatus(NM, NOT_MEASURABLE)
        features["limits"] = FeatureStatus(NM, NOT_MEASURABLE)
        return WorkloadResult(pod.endpoint, kind, features)
    features["service-account"], account = _service_account(pod, build)
    features["rbac"] = _rbac(pod, account, build)
    features.update(_security(pod))
    features["probes"] = _probes(pod)
    features["limits"] = _resources(pod, "limits")
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
    own = {f"manifests/{chart.component}.yaml"}
    pods = [p for p in build.pods if p.file in own]
    if chart.upstream:
        pods += [p for p in build.pods if p.upstream_stand_in and p.component == chart.component]
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
    policies = _objects(docs, "NetworkPolicy")
    unselected = [p.endpoint for p in tests if not _selected(policies, p, ("spec", "podSelector"))]
    if unselected and features["networkpolicy"].status != FAIL:
        features["networkpolicy"] = FeatureStatus(FAIL, f"test pods not selected: {', '.join(unselected)}")
    notes = []
    for role in _objects(docs, "Role"):
        wider = [w for r in role.get("rules") or [] if (w := _rule_wider(r or {}))]
        if wider:
            notes.append(f"Role {_ns(role)}/{_name(role)} grants {'; '.join(wider)}")
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
