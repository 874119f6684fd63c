"""The auditor's model of a build: the :class:`Build` and the objects it indexes besides pod templates.

Kept whole: the records are what :class:`Build`'s indexes return, and :class:`Build`, most of the module, is one
class of cached lookups over the same documents; apart, each index would sit away from the record it builds.

Services (and the pod templates their selectors pick), Nodes, helmfile releases and chart directories, each read
into a plain record; :func:`hearth.verify.build.audit.load_build` fills them from a build directory.

A build is read once per run and never changed after :func:`~hearth.verify.build.audit.load_build` returns it, so
what the audits look up (documents by kind or name, pods by file, label or Service, RBAC by subject) is indexed
once, on first use (``cached_property``): no audit scans every document per workload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hearth.verify.build.fields import name_of, namespace_of
from hearth.verify.build.labels import LabelIndex
from hearth.verify.build.manifests import Document
from hearth.verify.build.pod_template import PodTemplate

if TYPE_CHECKING:
    from hearth.verify.build.files import BuildFiles
    from hearth.verify.reach import ReachMatrix

__all__ = ["Build", "ChartInfo", "NodeInfo", "Release", "ServiceInfo", "ServicePort"]

CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")


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
    files: BuildFiles | None = None
    """The check's one read of the build (``hearth.verify.build.files``); None when the files are read from disk."""

    def rel(self, path: Path) -> str:
        """``path`` relative to the build root, POSIX style (for stable reports)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @cached_property
    def _kind_positions(self) -> dict[str, list[int]]:
        """Positions in :attr:`documents` of each kind's documents."""
        out: dict[str, list[int]] = {}
        for i, doc in enumerate(self.documents):
            out.setdefault(doc.kind, []).append(i)
        return out

    def of_kind(self, *kinds: str) -> Iterator[Document]:
        """Documents of the given kinds, in load order."""
        positions = sorted(i for kind in set(kinds) for i in self._kind_positions.get(kind, []))
        return (self.documents[i] for i in positions)

    @cached_property
    def _object_keys(self) -> frozenset[tuple[str, str, str]]:
        """``(kind, namespace, name)`` of every document."""
        return frozenset((doc.kind, namespace_of(doc.obj), name_of(doc.obj)) for doc in self.documents)

    def has_object(self, kind: str, namespace: str, name: str) -> bool:
        """Does the build hold an object of ``kind`` called ``namespace/name``?"""
        return (kind, namespace, name) in self._object_keys

    @cached_property
    def roles_by_key(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Role objects by ``(namespace, name)`` (the last one, where a key repeats)."""
        return {(namespace_of(doc.obj), name_of(doc.obj)): doc.obj for doc in self.of_kind("Role")}

    @cached_property
    def _bindings_by_subject(self) -> dict[tuple[str, str], list[Document]]:
        """RoleBindings and ClusterRoleBindings by the ``(name, namespace)`` of each ServiceAccount they bind."""
        out: dict[tuple[str, str], list[Document]] = {}
        for doc in self.of_kind("RoleBinding", "ClusterRoleBinding"):
            subjects = doc.obj.get("subjects")
            keys = []
            for subject in subjects if isinstance(subjects, list) else []:
                if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
                    continue
                name, namespace = subject.get("name"), subject.get("namespace") or namespace_of(doc.obj)
                if isinstance(name, str) and isinstance(namespace, str) and (name, namespace) not in keys:
                    keys.append((name, namespace))
            for key in keys:
                out.setdefault(key, []).append(doc)
        return out

    def bindings_of(self, account: str, namespace: str) -> list[Document]:
        """(Cluster)RoleBindings with the ServiceAccount ``namespace/account`` among their subjects, in load order."""
        return self._bindings_by_subject.get((account, namespace), [])

    @cached_property
    def _charts_by_component(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for chart in self.charts.values():
            out.setdefault(chart.component, []).append(chart.name)
        return out

    def chart_names_of(self, component: str) -> list[str]:
        """Names of the charts whose component is ``component``, in :attr:`charts` order."""
        return self._charts_by_component.get(component, [])

    @cached_property
    def _pods_by_component(self) -> dict[str | None, list[PodTemplate]]:
        out: dict[str | None, list[PodTemplate]] = {}
        for pod in self.pods:
            out.setdefault(pod.component, []).append(pod)
        return out

    def pods_of(self, component: object) -> list[PodTemplate]:
        """Pod templates whose ``hearth.dev/component`` equals ``component``, in load order. Any value is taken (a
        claim's field may be missing, None matching the pods that name no component, or not text)."""
        if component is not None and not isinstance(component, str):
            return []
        return self._pods_by_component.get(component, [])

    @cached_property
    def pods_by_endpoint(self) -> dict[str, PodTemplate]:
        """Pod templates by ``namespace/name``."""
        return {pod.endpoint: pod for pod in self.pods}

    @cached_property
    def _pods_by_file(self) -> dict[str, list[PodTemplate]]:
        out: dict[str, list[PodTemplate]] = {}
        for pod in self.pods:
            out.setdefault(pod.file, []).append(pod)
        return out

    def pods_in_file(self, file: str) -> list[PodTemplate]:
        """Pod templates of one build file (``manifests/<component>.yaml``), in load order."""
        return self._pods_by_file.get(file, [])

    @cached_property
    def _stand_ins(self) -> dict[str, list[PodTemplate]]:
        out: dict[str, list[PodTemplate]] = {}
        for pod in self.pods:
            if pod.upstream_stand_in and pod.component:
                out.setdefault(pod.component, []).append(pod)
        return out

    def stand_ins_of(self, component: str) -> list[PodTemplate]:
        """Stand-ins for the pods an upstream chart of ``component`` creates, in load order."""
        return self._stand_ins.get(component, [])

    @cached_property
    def pod_labels(self) -> LabelIndex[PodTemplate]:
        """Pod templates by namespace and label, for selectors."""
        return LabelIndex((pod.namespace, pod.labels, pod) for pod in self.pods)

    @cached_property
    def service_labels(self) -> LabelIndex[ServiceInfo]:
        """Services by namespace and label, for the selectors of ServiceMonitors."""
        return LabelIndex((svc.namespace, svc.labels, svc) for svc in self.services)

    @cached_property
    def services_by_key(self) -> dict[str, ServiceInfo]:
        """Services by ``namespace/name``."""
        return {svc.key: svc for svc in self.services}

    def service_pods(self, service: ServiceInfo) -> list[PodTemplate]:
        """Pod templates a Service's selector picks in its namespace (none without a selector)."""
        if not service.selector:
            return []
        return self.pod_labels.select_equal(service.namespace, service.selector)

    @cached_property
    def _services_of_pod(self) -> dict[int, list[ServiceInfo]]:
        out: dict[int, list[ServiceInfo]] = {}
        for service in self.services:
            for pod in self.service_pods(service):
                out.setdefault(id(pod), []).append(service)
        return out

    def services_of(self, pod: PodTemplate) -> list[ServiceInfo]:
        """The Services whose selector picks ``pod`` (all in its namespace), in build order."""
        return self._services_of_pod.get(id(pod), [])

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
    def _reach_shared(self) -> dict[str, Any]:
        """The matrix :meth:`reach` shares: ``peers`` planned (:meth:`plan_reach`), ``matrix`` once built."""
        return {"peers": frozenset(), "matrix": None}

    def plan_reach(self, peers: Iterable[str]) -> None:
        """Announce every outside endpoint (IPs) the audits of this run will ask :meth:`reach` for, so that one
        matrix serves them all. Unreadable IPs are left out: the audit that asks for one builds its own matrix
        and reports it where it always did."""
        from hearth.verify.reach import ReachInputError, parse_peer_ip

        planned = set()
        for ip in peers:
            try:
                planned.add(parse_peer_ip(ip))
            except ReachInputError:
                continue
        self._reach_shared.update(peers=frozenset(planned), matrix=None)

    def reach(self, peers: Sequence[str] = ()) -> ReachMatrix:
        """The reachability matrix over :attr:`documents` with the outside endpoints ``peers``: what
        ``build_matrix(self.documents, None, peers)`` answers. Peers within :meth:`plan_reach`'s share one
        matrix computed once per build (a :meth:`ReachMatrix.restricted` view of it); others get their own."""
        from hearth.verify.reach import ReachInputError, build_matrix, parse_peer_ip

        shared = self._reach_shared
        try:
            wanted = {parse_peer_ip(ip) for ip in peers}
        except ReachInputError:
            wanted = None
        if wanted is None or not wanted <= shared["peers"]:
            return build_matrix(self.documents, None, peers)
        if shared["matrix"] is None:
            shared["matrix"] = build_matrix(self.documents, None, sorted(shared["peers"]))
        matrix: ReachMatrix = shared["matrix"]
        return matrix.restricted(wanted)

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
