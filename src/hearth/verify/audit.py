"""The auditor's view of a build directory: the rendered files, read back as Kubernetes objects.

Everything ``hearth check`` measures starts here, and only from files ``hearth render`` wrote (see
docs/manifest-contract.md): ``manifests/`` (what the charts install), ``cluster/`` (nodes, kube-dns and stand-ins
for upstream charts' pods), ``charts/`` (which chart a manifest belongs to, its Helm tests), ``helmfile.yaml``
(releases, ``needs:`` and tag labels) and ``claims.yaml`` (the seed document's statements). Nothing here imports
the catalog, the resolver or the renderers: a build written by hand is audited exactly like a rendered one.

The model is deliberately plain: every pod template in the build (a workload's, a Helm test Pod, a stand-in Pod)
is one :class:`PodTemplate`, named as :mod:`hearth.verify.reach` names its endpoint (``namespace/name``), with
the ``hearth.dev/*`` annotations of the contract read into fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from hearth.quantity import QuantityError, byte_count, millicores
from hearth.verify.manifests import Document, ManifestError, load_documents, parse_documents

__all__ = [
    "ANNOTATION",
    "Build",
    "ChartInfo",
    "ContainerPortRef",
    "NodeInfo",
    "PodTemplate",
    "Release",
    "ServiceInfo",
    "ServicePort",
    "container_amounts",
    "load_build",
    "selector_matches",
]

ANNOTATION = "hearth.dev"
CONNECTS_TO = f"{ANNOTATION}/connects-to"
ROLE = f"{ANNOTATION}/role"
COMPONENT = f"{ANNOTATION}/component"
STAND_IN = f"{ANNOTATION}/stand-in"
REPLICAS = f"{ANNOTATION}/replicas"
WORKLOAD_KIND = f"{ANNOTATION}/workload-kind"
HELM_HOOK = "helm.sh/hook"
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")

# kind -> path from the object to its pod template (the kinds reach.py turns into endpoints)
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
#: Kinds whose pods run all the time (as opposed to Jobs, CronJobs and Helm tests).
LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(value).items() if v is not None}


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Does a LabelSelector (``matchLabels`` and ``matchExpressions``) match ``labels``? ``{}`` matches all."""
    if selector is None:
        return False
    for key, value in _mapping(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in _list(selector.get("matchExpressions")):
        expr = _mapping(expr)
        key, op = str(expr.get("key", "")), expr.get("operator")
        values = {str(v) for v in _list(expr.get("values"))}
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


@dataclass(frozen=True)
class ContainerPortRef:
    """A port a pod template's containers declare."""

    number: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class PodTemplate:
    """One pod template of the build: a workload's, a bare Pod's (Helm test, stand-in, cluster add-on).

    ``endpoint`` is the name :mod:`hearth.verify.reach` gives it; ``annotations`` are the pod template's (for a
    bare Pod, its own); ``object_annotations`` the workload object's own metadata annotations.
    """

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    object_annotations: Mapping[str, str]
    spec: Mapping[str, Any]
    object_spec: Mapping[str, Any]
    file: str
    source: str  # "manifests" or "cluster"
    document: Document = field(repr=False, compare=False)

    @property
    def endpoint(self) -> str:
        """``namespace/name``: the endpoint :mod:`hearth.verify.reach` builds for this pod template."""
        return f"{self.namespace}/{self.name}"

    @property
    def stand_in(self) -> bool:
        """A description (under ``cluster/``) of a pod something else creates: an upstream chart, the cluster."""
        return STAND_IN in self.annotations or STAND_IN in self.object_annotations

    @property
    def upstream_stand_in(self) -> bool:
        """A stand-in for a pod an upstream chart creates (it names a ``hearth.dev/component``)."""
        return self.stand_in and self.component is not None

    @property
    def helm_test(self) -> bool:
        """A Helm test hook Pod (``helm.sh/hook: test``)."""
        hooks = self.object_annotations.get(HELM_HOOK, "") or self.annotations.get(HELM_HOOK, "")
        return "test" in {h.strip() for h in hooks.split(",")}

    @property
    def component(self) -> str | None:
        """The ``hearth.dev/component`` annotation, if any."""
        return self.annotations.get(COMPONENT) or self.object_annotations.get(COMPONENT)

    @property
    def workload_kind(self) -> str:
        """The kind of workload the pods come from: the object's kind, or a stand-in's ``workload-kind``."""
        stated = self.annotations.get(WORKLOAD_KIND)
        return stated if self.kind == "Pod" and stated else self.kind

    @property
    def long_running(self) -> bool:
        """Pods that run all the time: Deployments, StatefulSets, DaemonSets, stand-ins of those, bare Pods."""
        if self.helm_test:
            return False
        return self.workload_kind in LONG_RUNNING or self.workload_kind == "Pod"

    @property
    def roles(self) -> frozenset[str]:
        """``hearth.dev/role`` values (comma-separated): ``ingress-controller``, ``metrics-scraper``, ``webhook``."""
        return frozenset(r.strip() for r in self.annotations.get(ROLE, "").split(",") if r.strip())

    @property
    def connects_to(self) -> tuple[str, ...]:
        """``hearth.dev/connects-to`` entries, each ``NAMESPACE/SERVICE:PORT``, as written."""
        return tuple(t.strip() for t in self.annotations.get(CONNECTS_TO, "").split(",") if t.strip())

    @property
    def replicas(self) -> int:
        """Pods this template stands for (DaemonSets: per node, decided by the caller; this returns 1)."""
        if self.kind == "Pod":
            raw = self.annotations.get(REPLICAS)
            return int(raw) if raw is not None and raw.isdigit() else 1
        if self.kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
            value = self.object_spec.get("replicas", 1)
            return value if isinstance(value, int) and not isinstance(value, bool) else 1
        return 1

    def containers(self, *, init: bool = True) -> list[dict[str, Any]]:
        """The containers (and, with ``init``, init containers), each a mapping; malformed entries skipped."""
        out = [c for c in _list(self.spec.get("containers")) if isinstance(c, dict)]
        if init:
            out += [c for c in _list(self.spec.get("initContainers")) if isinstance(c, dict)]
        return out

    @cached_property
    def ports(self) -> tuple[ContainerPortRef, ...]:
        """Declared container ports (containers and restartable init containers, as reach.py reads them)."""
        sidecars = [
            c
            for c in _list(self.spec.get("initContainers"))
            if isinstance(c, dict) and c.get("restartPolicy") == "Always"
        ]
        found: list[ContainerPortRef] = []
        for container in self.containers(init=False) + sidecars:
            for port in _list(container.get("ports")):
                port = _mapping(port)
                number = port.get("containerPort")
                if isinstance(number, int) and not isinstance(number, bool):
                    name = port.get("name")
                    protocol = str(port.get("protocol") or "TCP")
                    found.append(ContainerPortRef(number, protocol, name if isinstance(name, str) else None))
        return tuple(found)

    def port_named(self, name: str) -> ContainerPortRef | None:
        """The declared container port called ``name``, if any."""
        return next((p for p in self.ports if p.name == name), None)

    def claim_names(self) -> list[str]:
        """PersistentVolumeClaims the pod mounts by name (``volumes[].persistentVolumeClaim.claimName``)."""
        names = []
        for volume in _list(self.spec.get("volumes")):
            claim = _mapping(_mapping(volume).get("persistentVolumeClaim")).get("claimName")
            if isinstance(claim, str):
                names.append(claim)
        return names

    def claim_templates(self) -> list[tuple[str, int, str | None]]:
        """A StatefulSet's ``volumeClaimTemplates``: (name, requested bytes, storage class) each."""
        out = []
        for tpl in _list(self.object_spec.get("volumeClaimTemplates")):
            tpl = _mapping(tpl)
            spec = _mapping(tpl.get("spec"))
            size = _mapping(_mapping(spec.get("resources")).get("requests")).get("storage")
            out.append((str(_mapping(tpl.get("metadata")).get("name", "")), _bytes(size), spec.get("storageClassName")))
        return out

    def requests(self) -> tuple[int, int]:
        """(millicores, bytes) the scheduler reserves: max(sum of containers, each init container)."""
        return _pod_amounts(self, "requests")


def _bytes(value: object) -> int:
    if value is None:
        return 0
    try:
        return byte_count(str(value))
    except QuantityError:
        return 0


def _amount(resources: Mapping[str, Any], kind: str, resource: str) -> int:
    value = _mapping(resources.get(kind)).get(resource)
    if value is None:
        return 0
    try:
        return millicores(str(value)) if resource == "cpu" else byte_count(str(value))
    except QuantityError:
        return 0


def container_amounts(container: Mapping[str, Any], kind: str = "requests") -> tuple[int, int]:
    """(millicores, bytes) of one container's ``resources.<kind>``; absent or unparsable amounts count 0."""
    res = _mapping(container.get("resources"))
    return _amount(res, kind, "cpu"), _amount(res, kind, "memory")


def _pod_amounts(pod: PodTemplate, kind: str) -> tuple[int, int]:
    """Effective pod amounts: sum over containers and sidecars, at least each plain init container's."""
    cpu = mem = init_cpu = init_mem = 0
    for container in pod.containers(init=False):
        c, m = container_amounts(container, kind)
        cpu, mem = cpu + c, mem + m
    for container in _list(pod.spec.get("initContainers")):
        if not isinstance(container, dict):
            continue
        c, m = container_amounts(container, kind)
        if container.get("restartPolicy") == "Always":  # a sidecar runs alongside the containers
            cpu, mem = cpu + c, mem + m
        else:
            init_cpu, init_mem = max(init_cpu, c), max(init_mem, m)
    return max(cpu, init_cpu), max(mem, init_mem)


@dataclass(frozen=True)
class ServicePort:
    """One port of a Service: its name, number, protocol and target (a number or a container port name)."""

    name: str | None
    port: int
    protocol: str
    target: int | str


@dataclass(frozen=True)
class ServiceInfo:
    """A Service of the build and the pod templates its selector picks."""

    namespace: str
    name: str
    labels: Mapping[str, str]
    selector: Mapping[str, str] | None
    ports: tuple[ServicePort, ...]
    file: str

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def port(self, ref: str | int) -> ServicePort | None:
        """The Service port named ``ref`` or numbered ``ref`` (a digit string counts as a number)."""
        if isinstance(ref, str) and ref.isdigit():
            ref = int(ref)
        for port in self.ports:
            if (isinstance(ref, int) and port.port == ref) or (isinstance(ref, str) and port.name == ref):
                return port
        return None


@dataclass(frozen=True)
class NodeInfo:
    """A Node of ``cluster/nodes.yaml``: allocatable resources, disk, addresses, scheduling constraints."""

    name: str
    labels: Mapping[str, str]
    cpu: int  # allocatable millicores
    memory: int  # allocatable bytes
    pods: int
    cpu_capacity: int
    memory_capacity: int
    disk: int  # bytes: hearth.dev/disk-bytes, else ephemeral-storage capacity
    internal_ips: tuple[str, ...]
    unschedulable: bool
    taints: tuple[Mapping[str, Any], ...]

    @property
    def control_plane(self) -> bool:
        """Carries a control-plane (or legacy master) role label."""
        return any(label in self.labels for label in CONTROL_PLANE_LABELS)


@dataclass(frozen=True)
class Release:
    """A helmfile release: ``namespace/name``, chart, ``needs`` and labels (tier, component, namespace)."""

    name: str
    namespace: str
    chart: str
    needs: tuple[str, ...]
    labels: Mapping[str, str]

    @property
    def key(self) -> str:
        """``namespace/name``, the form ``needs:`` uses."""
        return f"{self.namespace}/{self.name}"

    @property
    def local(self) -> bool:
        """A chart of the build (``./charts/...``) rather than an upstream chart from a repository."""
        return self.chart.startswith("./") or self.chart.startswith("charts/")

    @property
    def component(self) -> str:
        """The ``component`` label, or the release name."""
        return self.labels.get("component", self.name)


@dataclass(frozen=True)
class ChartInfo:
    """A chart directory of the build: its component, whether it companions an upstream chart, its tests."""

    name: str
    component: str
    upstream: bool
    test_files: tuple[str, ...]


@dataclass
class Build:
    """Everything the auditor reads from one build directory, indexed."""

    root: Path
    documents: list[Document]
    pods: list[PodTemplate]
    services: list[ServiceInfo]
    nodes: list[NodeInfo]
    releases: list[Release]
    charts: dict[str, ChartInfo]
    claims: dict[str, Any] | None
    by_component_file: dict[str, list[Document]]
    namespaces_rendered: list[str]

    def rel(self, path: Path) -> str:
        """``path`` relative to the build root, POSIX style (for stable reports)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def of_kind(self, *kinds: str) -> Iterator[Document]:
        """Documents of the given kinds, in load order."""
        return (doc for doc in self.documents if doc.kind in kinds)

    @cached_property
    def pods_by_endpoint(self) -> dict[str, PodTemplate]:
        """Pod templates by ``namespace/name``."""
        return {pod.endpoint: pod for pod in self.pods}

    @cached_property
    def services_by_key(self) -> dict[str, ServiceInfo]:
        """Services by ``namespace/name``."""
        return {svc.key: svc for svc in self.services}

    def service_pods(self, service: ServiceInfo) -> list[PodTemplate]:
        """Pod templates a Service's selector picks in its namespace (none without a selector)."""
        if not service.selector:
            return []
        return [
            pod
            for pod in self.pods
            if pod.namespace == service.namespace and all(pod.labels.get(k) == v for k, v in service.selector.items())
        ]

    def target_ports(self, service: ServiceInfo, port: ServicePort) -> list[tuple[PodTemplate, int, str]]:
        """(pod, container port, protocol) a Service port sends to: targetPort resolved on each selected pod."""
        out = []
        for pod in self.service_pods(service):
            if isinstance(port.target, int):
                out.append((pod, port.target, port.protocol))
            else:
                named = pod.port_named(port.target)
                if named is not None:
                    out.append((pod, named.number, named.protocol))
        return out

    @cached_property
    def control_plane_ips(self) -> list[str]:
        """InternalIPs of control-plane Nodes: where the API server calls webhooks from."""
        return sorted({ip for node in self.nodes if node.control_plane for ip in node.internal_ips})

    @cached_property
    def upstream_components(self) -> frozenset[str]:
        """Components installed from an upstream chart (a helmfile release of a non-local chart)."""
        found = {r.component for r in self.releases if not r.local}
        found |= {pod.component for pod in self.pods if pod.upstream_stand_in and pod.component}
        return frozenset(found)

    def chart_of_component(self, component: str) -> ChartInfo | None:
        """The build's chart for a component (its own, or its companion)."""
        return next((c for c in self.charts.values() if c.component == component), None)


# --------------------------------------------------------------------------- loading


def _pod_template(doc: Document, source: str, rel: str) -> PodTemplate | None:
    path = _TEMPLATE_PATHS.get(doc.kind)
    if path is None:
        return None
    meta = _mapping(doc.obj.get("metadata"))
    name = meta.get("name") or meta.get("generateName")
    if not isinstance(name, str) or not name:
        return None
    template: dict[str, Any] = doc.obj
    for key in path:
        template = _mapping(template.get(key))
    tmeta = _mapping(template.get("metadata"))
    object_annotations = _strings(meta.get("annotations"))
    annotations = object_annotations if not path else _strings(tmeta.get("annotations"))
    return PodTemplate(
        namespace=str(meta.get("namespace") or "default"),
        name=name,
        kind=doc.kind,
        labels=_strings(tmeta.get("labels")),
        annotations=annotations,
        object_annotations=object_annotations,
        spec=_mapping(template.get("spec")),
        object_spec=_mapping(doc.obj.get("spec")),
        file=rel,
        source=source,
        document=doc,
    )


def _service(doc: Document, rel: str) -> ServiceInfo:
    meta = _mapping(doc.obj.get("metadata"))
    spec = _mapping(doc.obj.get("spec"))
    ports = []
    for raw in _list(spec.get("ports")):
        raw = _mapping(raw)
        number = raw.get("port")
        if not isinstance(number, int):
            continue
        target = raw.get("targetPort", number)
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        name = raw.get("name")
        ports.append(
            ServicePort(
                name if isinstance(name, str) else None,
                number,
                str(raw.get("protocol") or "TCP"),
                target if isinstance(target, int | str) else number,
            )
        )
    selector = spec.get("selector")
    return ServiceInfo(
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name")),
        labels=_strings(meta.get("labels")),
        selector=_strings(selector) if isinstance(selector, dict) else None,
        ports=tuple(ports),
        file=rel,
    )


def _node(doc: Document) -> NodeInfo:
    meta = _mapping(doc.obj.get("metadata"))
    status = _mapping(doc.obj.get("status"))
    capacity = _mapping(status.get("capacity"))
    allocatable = _mapping(status.get("allocatable")) or capacity
    annotations = _strings(meta.get("annotations"))
    disk_raw = annotations.get(f"{ANNOTATION}/disk-bytes") or capacity.get("ephemeral-storage")

    def cpu(value: object) -> int:
        try:
            return millicores(str(value)) if value is not None else 0
        except QuantityError:
            return 0

    pods_raw = allocatable.get("pods", 110)
    spec = _mapping(doc.obj.get("spec"))
    return NodeInfo(
        name=str(meta.get("name")),
        labels=_strings(meta.get("labels")),
        cpu=cpu(allocatable.get("cpu")),
        memory=_bytes(allocatable.get("memory")),
        pods=int(pods_raw) if str(pods_raw).isdigit() else 110,
        cpu_capacity=cpu(capacity.get("cpu")),
        memory_capacity=_bytes(capacity.get("memory")),
        disk=_bytes(disk_raw),
        internal_ips=tuple(
            str(_mapping(a).get("address"))
            for a in _list(status.get("addresses"))
            if _mapping(a).get("type") == "InternalIP" and _mapping(a).get("address")
        ),
        unschedulable=bool(spec.get("unschedulable")),
        taints=tuple(_mapping(t) for t in _list(spec.get("taints"))),
    )


def _releases(path: Path) -> list[Release]:
    if not path.is_file():
        return []
    docs = parse_documents(path.read_text(encoding="utf-8"), path)
    out = []
    for doc in docs:
        for raw in _list(doc.obj.get("releases")):
            raw = _mapping(raw)
            namespace = str(raw.get("namespace") or "default")
            needs = []
            for need in _list(raw.get("needs")):
                need = str(need)
                needs.append(need if "/" in need else f"{namespace}/{need}")
            out.append(
                Release(
                    name=str(raw.get("name")),
                    namespace=namespace,
                    chart=str(raw.get("chart", "")),
                    needs=tuple(needs),
                    labels=_strings(raw.get("labels")),
                )
            )
    return out


def _charts(root: Path, releases: Sequence[Release], upstream: Iterable[str]) -> dict[str, ChartInfo]:
    charts_dir = root / "charts"
    if not charts_dir.is_dir():
        return {}
    upstream_set = set(upstream)
    component_of_chart = {
        r.chart.rstrip("/").rsplit("/", 1)[-1]: r.component for r in releases if r.local and r.chart.rstrip("/")
    }
    out = {}
    for chart_yaml in sorted(charts_dir.glob("*/Chart.yaml")):
        name = chart_yaml.parent.name
        component = component_of_chart.get(name) or name.removesuffix("-hearth")
        tests = sorted(
            p.relative_to(root).as_posix() for p in (chart_yaml.parent / "templates" / "tests").glob("*.y*ml")
        )
        out[name] = ChartInfo(name, component, component in upstream_set, tuple(tests))
    return out


def load_build(root: Path) -> Build:
    """Read a build directory. Raises :class:`ManifestError` (a ``ValueError``) with one line when unreadable.

    ``manifests/`` is required; ``cluster/``, ``charts/``, ``helmfile.yaml`` and ``claims.yaml`` are read when
    present (their absence shows up in the report as what could not be measured).
    """
    root = Path(root)
    manifests_dir = root / "manifests"
    if not manifests_dir.is_dir():
        raise ManifestError(root, None, "not a build directory: no manifests/ (run `hearth render --out DIR` first)")
    documents: list[Document] = []
    pods: list[PodTemplate] = []
    services: list[ServiceInfo] = []
    nodes: list[NodeInfo] = []
    by_file: dict[str, list[Document]] = {}
    namespaces: list[str] = []
    sources = [("manifests", manifests_dir)]
    if (root / "cluster").is_dir():
        sources.append(("cluster", root / "cluster"))
    for source, directory in sources:
        for doc in load_documents([directory]):
            rel = doc.path.relative_to(root).as_posix()
            documents.append(doc)
            if source == "manifests":
                by_file.setdefault(doc.path.stem, []).append(doc)
            pod = _pod_template(doc, source, rel)
            if pod is not None:
                pods.append(pod)
            elif doc.kind == "Service":
                services.append(_service(doc, rel))
            elif doc.kind == "Node":
                nodes.append(_node(doc))
            elif doc.kind == "Namespace" and source == "manifests":
                namespaces.append(str(_mapping(doc.obj.get("metadata")).get("name")))
    releases = _releases(root / "helmfile.yaml")
    claims = None
    claims_path = root / "claims.yaml"
    if claims_path.is_file():
        claim_docs = parse_documents(claims_path.read_text(encoding="utf-8"), claims_path)
        claims = claim_docs[0].obj if claim_docs else {}
    build = Build(
        root=root,
        documents=documents,
        pods=pods,
        services=services,
        nodes=nodes,
        releases=releases,
        charts={},
        claims=claims,
        by_component_file=by_file,
        namespaces_rendered=sorted(set(namespaces)),
    )
    build.charts = _charts(root, releases, build.upstream_components)
    return build
