"""Compliance's checks: each feature measured on one workload's pod template and the chart's objects.

Security features are read on every container and init container, effective values (container over pod); a
departure is an ``exception`` when the workload states one (``hearth.dev/exception-<kind>[-<qualifier>]``) of a
kind that explains it. The feature list and what each feature means are in :mod:`hearth.verify.compliance`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hearth.verify.build.annotations import EXCEPTION_PREFIX, MONITORED_BY
from hearth.verify.build.fields import name_of, namespace_of, pod_metrics_port, selector_matches
from hearth.verify.build.model import Build
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.compliance.results import EXCEPTION, FAIL, FEATURES, NA, NM, PASS, FeatureStatus

__all__ = ["probes", "rbac", "resources", "rule_wider", "security", "service_account", "service_monitor"]

SECURITY_FEATURES = FEATURES[6:11]
EXCEPTION_KINDS: dict[str, tuple[str, ...]] = {
    "run-as-non-root": ("run-as-root",),
    "no-privilege-escalation": ("privileged",),
    "drop-all-capabilities": ("capability", "privileged"),
    "seccomp-runtime-default": ("seccomp",),
    "read-only-root-filesystem": ("writable-root-filesystem",),
}
# A port whose name says it serves metrics. "exporter" alone is not such a name: Penpot's exporter renders
# PDFs, and metrics exporters name their port "metrics" by convention.
_METRICS_NAME = re.compile(r"metrics|prometheus")
_READ_VERBS = frozenset({"get", "list", "watch"})
_READ_RESOURCES = frozenset({"pods", "configmaps"})


def _exceptions(pod: PodTemplate) -> dict[str, str]:
    """``{kind-and-qualifier: reason}`` of the workload's ``hearth.dev/exception-*`` annotations."""
    found = {}
    for stated in (pod.object_annotations, pod.annotations):
        for key, value in stated.items():
            if key.startswith(EXCEPTION_PREFIX):
                found[key.removeprefix(EXCEPTION_PREFIX)] = value
    return found


def _excused(feature: str, exceptions: Mapping[str, str], container: str) -> str | None:
    """The stated exception explaining ``feature``'s departure in ``container``, if one does.

    A key ``<kind>[-<value>]`` applies to every container; ``<kind>[-<value>].<container>`` to that one only.
    """
    for kind in EXCEPTION_KINDS[feature]:
        for key, reason in sorted(exceptions.items()):
            base, _, scope = key.partition(".")
            if (base == kind or base.startswith(f"{kind}-")) and scope in ("", container):
                return f"exception-{key}: {reason}"
    return None


def security(pod: PodTemplate) -> dict[str, FeatureStatus]:
    """The five security features, each ``exception`` where a stated exception explains every departure."""
    pod_ctx = pod.spec.get("securityContext") or {}
    departures: dict[str, list[tuple[str, str]]] = {feature: [] for feature in SECURITY_FEATURES}
    for container in pod.containers():
        ctx = container.get("securityContext") or {}
        name = str(container.get("name", "?"))
        non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
        user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
        if non_root is not True or user == 0:
            departures["run-as-non-root"].append((name, f"{name}: runAsNonRoot={non_root}, runAsUser={user}"))
        if ctx.get("allowPrivilegeEscalation") is not False or ctx.get("privileged"):
            departures["no-privilege-escalation"].append(
                (
                    name,
                    f"{name}: allowPrivilegeEscalation={ctx.get('allowPrivilegeEscalation')}"
                    + (", privileged" if ctx.get("privileged") else ""),
                )
            )
        caps = ctx.get("capabilities") or {}
        drop = {str(c).upper() for c in caps.get("drop") or []}
        added = sorted(str(c) for c in caps.get("add") or [])
        if "ALL" not in drop or added:
            departures["drop-all-capabilities"].append(
                (name, f"{name}: drop={sorted(drop)}" + (f", add={added}" if added else ""))
            )
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp != "RuntimeDefault":
            departures["seccomp-runtime-default"].append((name, f"{name}: seccompProfile={seccomp}"))
        if ctx.get("readOnlyRootFilesystem") is not True:
            departures["read-only-root-filesystem"].append(
                (name, f"{name}: readOnlyRootFilesystem={ctx.get('readOnlyRootFilesystem')}")
            )
    exceptions = _exceptions(pod)
    out = {}
    for feature, found in departures.items():
        if not found:
            out[feature] = FeatureStatus(PASS)
            continue
        reasons = [_excused(feature, exceptions, container) for container, _ in found]
        detail = "; ".join(text for _, text in found)
        if all(reasons):
            out[feature] = FeatureStatus(EXCEPTION, f"{detail} ({'; '.join(sorted({r for r in reasons if r}))})")
        else:
            out[feature] = FeatureStatus(FAIL, detail)
    return out


def resources(pod: PodTemplate, kind: str) -> FeatureStatus:
    """``requests`` or ``limits`` (``kind``): cpu and memory on every container and init container."""
    lacking = []
    for container in pod.containers():
        amounts = (container.get("resources") or {}).get(kind) or {}
        missing = [r for r in ("cpu", "memory") if amounts.get(r) in (None, "")]
        if missing:
            lacking.append(f"{container.get('name', '?')}: no {kind} {'/'.join(missing)}")
    return FeatureStatus(FAIL, "; ".join(lacking)) if lacking else FeatureStatus(PASS)


def probes(pod: PodTemplate) -> FeatureStatus:
    """Liveness and readiness probes on every container of a long-running workload; a container without them is
    an exception when the workload states ``hearth.dev/exception-no-probe.<container>`` (nothing to probe)."""
    if not pod.long_running:
        return FeatureStatus(NA, "not a long-running workload")
    stated = _exceptions(pod)
    lacking, excused = [], []
    for container in pod.containers(init=False):
        name = str(container.get("name", "?"))
        missing = [p for p in ("livenessProbe", "readinessProbe") if not container.get(p)]
        if not missing:
            continue
        reason = stated.get(f"no-probe.{name}") or stated.get("no-probe")
        if reason:
            excused.append(f"{name}: exception-no-probe: {reason}")
        else:
            lacking.append(f"{name}: no {'/'.join(missing)}")
    if lacking:
        return FeatureStatus(FAIL, "; ".join(lacking))
    return FeatureStatus(EXCEPTION, "; ".join(excused)) if excused else FeatureStatus(PASS)


def service_account(pod: PodTemplate, build: Build) -> tuple[FeatureStatus, str | None]:
    """A ServiceAccount of its own, in the build; and its name, for :func:`rbac` (None when it runs as default)."""
    name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount")
    if not name or name == "default":
        return FeatureStatus(FAIL, "runs as the namespace's default ServiceAccount"), None
    if not (isinstance(name, str) and build.has_object("ServiceAccount", pod.namespace, name)):
        return FeatureStatus(FAIL, f"ServiceAccount {pod.namespace}/{name} is not in the build"), str(name)
    return FeatureStatus(PASS, str(name)), str(name)


def rule_wider(rule: Mapping[str, Any]) -> str | None:
    """What a Role rule grants beyond read-only pods/configmaps in core, or None when it does not."""
    groups = {str(g) for g in rule.get("apiGroups") or []}
    resources = {str(r) for r in rule.get("resources") or []}
    verbs = {str(v) for v in rule.get("verbs") or []}
    if rule.get("nonResourceURLs"):
        return f"nonResourceURLs {rule['nonResourceURLs']}"
    if groups - {""} or resources - _READ_RESOURCES or verbs - _READ_VERBS:
        return f"{sorted(verbs)} on {sorted(resources)} in groups {sorted(groups)}"
    return None


def rbac(pod: PodTemplate, account: str | None, build: Build) -> FeatureStatus:
    """Only RoleBindings to read-only Roles for the ServiceAccount; none at all passes for Jobs and CronJobs."""
    if account is None:
        return FeatureStatus(FAIL, "no ServiceAccount of its own to bind")
    roles = build.roles_by_key
    bound, wider = [], []
    for doc in build.bindings_of(account, pod.namespace):
        ref = doc.obj.get("roleRef") or {}
        if doc.kind == "ClusterRoleBinding" or ref.get("kind") == "ClusterRole":
            wider.append(f"{doc.kind} {name_of(doc.obj)} -> ClusterRole {ref.get('name')}")
            continue
        if doc.kind == "RoleBinding" and namespace_of(doc.obj) != pod.namespace:
            continue
        role = roles.get((namespace_of(doc.obj), str(ref.get("name"))))
        if role is None:
            wider.append(f"RoleBinding {name_of(doc.obj)} -> Role {ref.get('name')} not in the build")
            continue
        bound.append(str(ref.get("name")))
        wider += [f"Role {ref.get('name')}: {w}" for r in role.get("rules") or [] if (w := rule_wider(r or {}))]
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
        namespaces = None if ns_sel.get("any") else set(ns_sel.get("matchNames") or [namespace_of(obj)])
        if namespaces is not None and pod.namespace not in namespaces:
            continue
        if obj.get("kind") == "PodMonitor":
            if selector_matches(spec.get("selector"), pod.labels):
                refs = [pod_metrics_port(e) for e in spec.get("podMetricsEndpoints") or [] if e]
                if any(pod.declared_port(ref) is not None for ref in refs):
                    found.append(f"PodMonitor {name_of(obj)}")
            continue
        for service in build.services_of(pod):
            if not selector_matches(spec.get("selector"), service.labels):
                continue
            for endpoint in spec.get("endpoints") or []:
                endpoint = endpoint or {}
                port = service.port(str(endpoint["port"])) if endpoint.get("port") is not None else None
                target = port.target if port is not None else endpoint.get("targetPort")
                if target is not None and pod.declared_port(target) is not None:
                    found.append(f"ServiceMonitor {name_of(obj)}")
    return sorted(set(found))


def service_monitor(pod: PodTemplate, build: Build, monitors: Sequence[Mapping[str, Any]]) -> FeatureStatus:
    """A monitor of the chart scrapes one of the pod's ports; it applies when one does or a port is metrics-named."""
    scraped = _monitored(pod, build, monitors)
    metrics_ports = [p.name for p in pod.ports if p.name and _METRICS_NAME.search(p.name)]
    if scraped:
        return FeatureStatus(PASS, ", ".join(scraped))
    if pod.annotations.get(MONITORED_BY) == "chart":
        return FeatureStatus(NM, "the upstream chart's own monitor scrapes it: not in the build")
    if metrics_ports:
        return FeatureStatus(FAIL, f"metrics port {', '.join(metrics_ports)} but no monitor")
    return FeatureStatus(NA, "no metrics-named port")
