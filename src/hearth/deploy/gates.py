"""What "ready" means for a release: the gates it must pass before it counts as done, or before it may start.

Kept whole: each gate is a small class, and :func:`plan_gates`, which decides from the graph which gates a release
gets, is read with them; together they are the one definition of what ready means.

Gates are derived from the graph, never from names: a component whose capabilities install CRDs gets a CRD gate,
one that serves admission webhooks a webhook gate, the consumers of a provider that is ready only after
``hearth bootstrap`` (``CapabilitySpec.ready_after_bootstrap``) a health gate and the bootstrap marker, a chart
holding a ClusterIssuer an issuer gate, and every release a rollout gate. Each gate is polled until it passes,
fails for good, or times out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import yaml

from hearth.capabilities import CAPABILITIES, crd_providers
from hearth.deploy.helm import Helm, HelmError
from hearth.deploy.kube import Kube, Obj
from hearth.deploy.releases import Build, Release
from hearth.resolve.records import Resolved

HEARTH_NAMESPACE = "hearth"
BOOTSTRAP_MARKER = "hearth-bootstrap"
"""ConfigMap in hearth's namespace that ``hearth bootstrap`` writes once Vault is initialized, unsealed and set up."""

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


@dataclass(frozen=True)
class Verdict:
    """A gate's answer: passed, still waiting (with why), or failed for good (with why)."""

    passed: bool
    reason: str = ""
    final: bool = False


PASSED = Verdict(True)


def waiting(reason: str) -> Verdict:
    """Not yet: poll again."""
    return Verdict(False, reason)


def failed(reason: str) -> Verdict:
    """Never will: stop polling and fail the release."""
    return Verdict(False, reason, final=True)


@dataclass
class GateContext:
    """What a gate may look at: the cluster, helm, and the release it gates (its manifest read once)."""

    kube: Kube
    helm: Helm
    release: Release
    _manifest: list[Obj] | None = None

    def manifest(self) -> list[Obj]:
        """The objects helm installed for the release."""
        if self._manifest is None:
            self._manifest = self.helm.manifest(self.release)
        return self._manifest


class Gate(ABC):
    """One condition a release waits on."""

    @abstractmethod
    def describe(self) -> str:
        """What is waited on, for the progress line."""

    @abstractmethod
    def check(self, ctx: GateContext) -> Verdict:
        """Ask the cluster once."""

    def failing_pods(self, ctx: GateContext) -> list[tuple[str, str]]:
        """(namespace, pod) of pods whose events explain a failure; none by default."""
        return []


def _condition(obj: Obj, kind: str) -> str | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("status"))
    return None


@dataclass(frozen=True)
class CrdsEstablished(Gate):
    """Every CRD of the provider's API groups exists and is Established (its kinds are served)."""

    groups: tuple[str, ...]

    def describe(self) -> str:
        return "CRDs Established: " + ", ".join(self.groups)

    def check(self, ctx: GateContext) -> Verdict:
        crds = ctx.kube.items("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        for group in self.groups:
            mine = [c for c in crds if (c.get("spec") or {}).get("group") == group]
            if not mine:
                return waiting(f"no CRD of {group} yet")
            for crd in mine:
                if _condition(crd, "Established") != "True":
                    return waiting(f"CRD {crd['metadata']['name']} not Established")
        return PASSED


def _replicas(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def workload_verdict(obj: Obj) -> Verdict:
    """Whether one Deployment, StatefulSet or DaemonSet is rolled out at its current generation, or a Job done.

    The rules are kubectl rollout status's: the controller observed the new generation, every replica is updated
    and available (ready for a StatefulSet).
    """
    kind, name = obj["kind"], obj["metadata"]["name"]
    status = obj.get("status") or {}
    generation = int(obj["metadata"].get("generation") or 0)
    if kind == "Job":
        if _condition(obj, "Failed") == "True":
            return failed(f"Job {name} failed")
        return PASSED if _condition(obj, "Complete") == "True" else waiting(f"Job {name} not complete")
    if int(status.get("observedGeneration") or 0) < generation:
        return waiting(f"{kind} {name}: generation {generation} not observed yet")
    if kind == "DaemonSet":
        desired = int(status.get("desiredNumberScheduled") or 0)
        updated, available = int(status.get("updatedNumberScheduled") or 0), int(status.get("numberAvailable") or 0)
        if updated < desired or available < desired:
            return waiting(f"DaemonSet {name}: {available}/{desired} available, {updated} updated")
        return PASSED
    wanted = _replicas(obj)
    updated = int(status.get("updatedReplicas") or 0)
    ready_key = "readyReplicas" if kind == "StatefulSet" else "availableReplicas"
    ready = int(status.get(ready_key) or 0)
    if kind == "StatefulSet" and status.get("updateRevision") not in (None, status.get("currentRevision")):
        return waiting(f"StatefulSet {name}: revision {status.get('updateRevision')} rolling out")
    if updated < wanted or ready < wanted:
        return waiting(f"{kind} {name}: {ready}/{wanted} {ready_key[:-8]}, {updated} updated")
    return PASSED


@dataclass(frozen=True)
class RolledOut(Gate):
    """Every workload the release installed is rolled out (Deployments, StatefulSets, DaemonSets) or done (Jobs)."""

    def describe(self) -> str:
        return "workloads rolled out"

    def _workloads(self, ctx: GateContext) -> list[tuple[Obj, Obj | None]]:
        wanted = [o for o in ctx.manifest() if o.get("kind") in WORKLOAD_KINDS]
        return [
            (
                o,
                ctx.kube.get(
                    str(o["apiVersion"]),
                    str(o["kind"]),
                    o["metadata"]["name"],
                    o["metadata"].get("namespace") or ctx.release.namespace,
                ),
            )
            for o in wanted
        ]

    def check(self, ctx: GateContext) -> Verdict:
        for wanted, live in self._workloads(ctx):
            if live is None:
                return waiting(f"{wanted['kind']} {wanted['metadata']['name']} not created yet")
            verdict = workload_verdict(live)
            if not verdict.passed:
                return verdict
        return PASSED

    def failing_pods(self, ctx: GateContext) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for _, live in self._workloads(ctx):
            if live is None or workload_verdict(live).passed:
                continue
            namespace = live["metadata"].get("namespace") or ctx.release.namespace
            selector = ((live.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            if live["kind"] == "Job":
                selector = {"job-name": live["metadata"]["name"]}
            labels = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
            for pod in ctx.kube.items("v1", "Pod", namespace, labels or None):
                if _condition(pod, "Ready") != "True":
                    found.append((namespace, pod["metadata"]["name"]))
        return found


@dataclass(frozen=True)
class WebhookServing(Gate):
    """An admission webhook's Service has ready endpoints, so the API server's calls to it are answered."""

    namespace: str
    service: str

    def describe(self) -> str:
        return f"webhook Service {self.namespace}/{self.service} has ready endpoints"

    def check(self, ctx: GateContext) -> Verdict:
        endpoints = ctx.kube.get("v1", "Endpoints", self.service, self.namespace)
        subsets = (endpoints or {}).get("subsets") or []
        if any(s.get("addresses") for s in subsets):
            return PASSED
        return waiting(f"webhook Service {self.namespace}/{self.service}: no ready endpoints")


@dataclass(frozen=True)
class ProviderHealthy(Gate):
    """A provider's HTTP health check answers 200 through the API server's service proxy.

    For Vault (OpenBao) that is ``/v1/sys/health``: 200 when initialized, unsealed and active, 429 on a standby,
    501 when not initialized and 503 when sealed (developer.hashicorp.com/vault/api-docs/system/health).
    """

    provider: str
    namespace: str
    service: str
    port: int
    path: str
    accept: tuple[int, ...] = (200, 429)
    scheme: str = "http"
    """``https`` for a TLS listener: the service proxy's ``https:<service>:<port>`` form."""

    def describe(self) -> str:
        return f"{self.provider} healthy ({self.service}.{self.namespace}:{self.port}{self.path})"

    def check(self, ctx: GateContext) -> Verdict:
        service = self.service if self.scheme == "http" else f"{self.scheme}:{self.service}"
        status, body = ctx.kube.service_get(self.namespace, service, self.port, self.path)
        if status in self.accept:
            return PASSED
        meaning = {501: "not initialized: run hearth bootstrap", 503: "sealed: run hearth bootstrap"}.get(status, "")
        return waiting(f"{self.provider} {self.path} answered {status} {meaning or body[:80]}".strip())


@dataclass(frozen=True)
class BootstrapMarker(Gate):
    """``hearth bootstrap`` has run: its marker ConfigMap exists in hearth's namespace."""

    provider: str

    def describe(self) -> str:
        return f"hearth bootstrap done for {self.provider}"

    def check(self, ctx: GateContext) -> Verdict:
        marker = ctx.kube.get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE)
        if marker is not None and self.provider in ((marker.get("data") or {}).get("providers") or "").split():
            return PASSED
        return waiting(f"{self.provider} not bootstrapped yet: run hearth bootstrap")


@dataclass(frozen=True)
class ClusterIssuerReady(Gate):
    """cert-manager reports the ClusterIssuer Ready (for a Vault issuer, Vault answered its health check)."""

    name: str

    def describe(self) -> str:
        return f"ClusterIssuer {self.name} Ready"

    def check(self, ctx: GateContext) -> Verdict:
        issuer = ctx.kube.get("cert-manager.io/v1", "ClusterIssuer", self.name)
        if issuer is not None and _condition(issuer, "Ready") == "True":
            return PASSED
        return waiting(f"ClusterIssuer {self.name} not Ready")


@dataclass(frozen=True)
class HelmTests(Gate):
    """The release's Helm tests pass (``helm test``)."""

    def describe(self) -> str:
        return "helm test"

    def check(self, ctx: GateContext) -> Verdict:
        try:
            ctx.helm.test(ctx.release)
        except HelmError as exc:
            return failed(f"helm test: {exc}")
        return PASSED


@dataclass
class ReleaseGates:
    """A release's gates: ``before`` it may start, ``after`` it is installed; ``crd_groups`` applied first."""

    before: list[Gate] = field(default_factory=list)
    after: list[Gate] = field(default_factory=list)
    crd_groups: tuple[str, ...] = ()


def main_release(build: Build, component: str) -> Release | None:
    """The release that installs the component itself (named after it), else its first release."""
    releases = build.of_component(component)
    return next((r for r in releases if r.name == component), releases[0] if releases else None)


def _chart_objects(build: Build, release: Release) -> list[dict[str, Any]]:
    if not release.local:
        return []
    objects: list[dict[str, Any]] = []
    for path in sorted((build.root / release.chart / "templates").glob("*.yaml")):
        try:
            objects += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue  # a template with Helm directives: not read literally
    return objects


def plan_gates(resolved: Resolved, build: Build, with_tests: bool = False) -> dict[str, ReleaseGates]:
    """Every release's gates, derived from the catalog's capabilities, webhooks and the rendered charts."""
    comps = resolved.catalog.components
    gates = {key: ReleaseGates() for key in build.releases}
    groups_of: dict[str, list[str]] = {}
    for group, names in crd_providers({n: c.capabilities() for n, c in comps.items()}).items():
        for name in names:
            groups_of.setdefault(name, []).append(group)
    for name, component in sorted(comps.items()):
        main = main_release(build, name)
        if main is None:
            continue
        if name in groups_of:
            groups = tuple(sorted(groups_of[name]))
            gates[main.key].crd_groups = groups
            gates[main.key].after.append(CrdsEstablished(groups))
        for webhook in component.webhooks:
            serving = [p for p in resolved.pods_of(name) if webhook.pod in (None, p.name)]
            pod = next((p for p in serving if webhook.port in {x.name for x in p.ports}), None)
            if pod is not None:
                gates[main.key].after.append(WebhookServing(pod.namespace, pod.service))
        for need in component.needs:
            provider = comps[need]
            if not any(CAPABILITIES[c].ready_after_bootstrap for c in provider.capabilities()):
                continue
            before: list[Gate] = []
            health = provider.health
            if health is not None and health.kind == "http" and health.port and health.path:
                port = next(p for p in provider.ports if p.name == health.port)
                pod = next((p for p in resolved.pods_of(need) if port in p.ports), None)
                if pod is not None:
                    number = pod.service_port(port)
                    scheme = health.scheme.lower()
                    before.append(ProviderHealthy(need, pod.namespace, pod.service, number, health.path, scheme=scheme))
            before.append(BootstrapMarker(need))
            for release in build.of_component(name):
                gates[release.key].before += before
    for key, release in build.releases.items():
        gates[key].after.append(RolledOut())
        for obj in _chart_objects(build, release):
            if obj.get("kind") == "ClusterIssuer" and str(obj.get("apiVersion", "")).startswith("cert-manager.io/"):
                gates[key].after.append(ClusterIssuerReady(str(obj["metadata"]["name"])))
        if with_tests:
            gates[key].after.append(HelmTests())
    return gates


def chart_crds(objects: list[Obj], release: Release) -> list[Obj]:
    """The CRDs among a chart's objects, labelled so Helm adopts them as the release's own after hearth applied them.

    ``meta.helm.sh/release-name``/``-namespace`` and ``app.kubernetes.io/managed-by: Helm`` are what Helm checks
    before taking over an existing object (helm/helm pkg/action/validate.go, ``existingResourceConflict``).
    """
    crds = []
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        meta = obj.setdefault("metadata", {})
        meta.setdefault("labels", {})["app.kubernetes.io/managed-by"] = "Helm"
        meta.setdefault("annotations", {}).update(
            {"meta.helm.sh/release-name": release.name, "meta.helm.sh/release-namespace": release.namespace}
        )
        meta.pop("creationTimestamp", None)
        obj.pop("status", None)
        crds.append(obj)
    return crds


def hearth_namespace_objects() -> list[Obj]:
    """hearth's own namespace, where the journal and the bootstrap marker live."""
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": HEARTH_NAMESPACE}}]
