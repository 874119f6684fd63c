"""The records resolve derives from a catalog: pods, flows, external flows and grants, and :class:`Resolved`,
which holds them with the catalog and its graph and answers the renderers' lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from hearth.catalog.models import Catalog, Component, Metrics, Port, Resources
from hearth.graph import DependencyGraph

PodKey = tuple[str, str]  # (component, pod)


HEARTH_POD = "main"


@dataclass(frozen=True)
class Pod:
    """A pod of a component: the one hearth renders, or one an upstream chart creates."""

    component: str
    name: str
    namespace: str
    labels: dict[str, str]
    ports: tuple[Port, ...]
    service: str
    kind: str
    replicas: int
    resources: Resources | None
    upstream: bool
    api_access: bool = False
    service_ports: tuple[tuple[str, int], ...] = ()
    connects_to_needs: bool = True
    """Whether this pod opens the component's connections to its needs (False: a chart pod that uses none)."""
    metrics: Metrics | None = None
    """Where Prometheus scrapes this pod: its own ``metrics``, or the component's on the pod carrying that port."""

    @property
    def key(self) -> PodKey:
        """(component, pod) identifies the pod across the wiring."""
        return (self.component, self.name)

    def service_port(self, port: Port) -> int:
        """The port the pod's Service exposes for ``port``: the container port unless the chart maps it."""
        return dict(self.service_ports).get(port.name, port.port)

    @property
    def qualified(self) -> str:
        """``component`` for a single-pod component, ``component/pod`` otherwise, for messages."""
        return self.component if self.name == HEARTH_POD else f"{self.component}/{self.name}"


@dataclass(frozen=True)
class Flow:
    """One intended connection: ``src`` opens it to ``dst`` on ``port``. A None ``src`` is outside the cluster."""

    src: PodKey | None
    dst: PodKey
    port: Port
    reason: str
    src_ips: tuple[IPv4Address, ...] = ()


@dataclass(frozen=True)
class ExternalFlow:
    """A connection a pod opens to outside the cluster: ``to`` (internet, gateway) as a CIDR less ``excepts``."""

    src: PodKey
    to: str
    cidr: str
    excepts: tuple[str, ...]
    ports: tuple[tuple[str, int], ...]
    reason: str


@dataclass(frozen=True)
class Grant:
    """What a provider sets up for one consumer: a database and user, a bucket, an SSO client..."""

    kind: str
    provider: str
    consumer: str
    capability: str
    name: str


@dataclass
class Resolved:
    """The catalog plus everything derived from it that more than one renderer needs."""

    catalog: Catalog
    graph: DependencyGraph
    pods: dict[PodKey, Pod] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    external: list[ExternalFlow] = field(default_factory=list)
    _by_src: dict[PodKey, list[Flow]] | None = field(default=None, repr=False)
    _by_dst: dict[PodKey, list[Flow]] | None = field(default=None, repr=False)
    # Lookups the renderers make per component, grouped once (see _grouped): by name, never by a scan per call.
    _groups: dict[str, tuple[tuple[int, int], dict[Any, list[Any]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _grouped(
        self, name: str, items: Collection[Any], keys: Callable[[Any], Iterable[Any]], owner: object = None
    ) -> dict[Any, list[Any]]:
        """``items`` filed under each of their ``keys``, in their order; regrouped only when the collection (or
        ``owner``, the object ``items`` is a view of) is another object or its size changed (resolve adds pods,
        flows and grants as it goes; then they are read)."""
        stamp = (id(items if owner is None else owner), len(items))
        cached = self._groups.get(name)
        if cached is None or cached[0] != stamp:
            grouped: dict[Any, list[Any]] = {}
            for item in items:
                for key in keys(item):
                    grouped.setdefault(key, []).append(item)
            cached = self._groups[name] = (stamp, grouped)
        return cached[1]

    def component(self, name: str) -> Component:
        """The catalog component called ``name``."""
        return self.catalog.components[name]

    def pods_of(self, component: str, jobs: bool = False) -> list[Pod]:
        """The pods of a component that run its workloads, in declaration order; with ``jobs``, its job pods too
        (a dump CronJob's), which have policies and intent but no Service, budget or stand-in."""
        # keyed on the dict itself: each .values() is a new view object, so its id would regroup on every call
        grouped = self._grouped("pods", self.pods.values(), lambda p: (p.component,), self.pods)
        pods: list[Pod] = grouped.get(component, [])
        return [p for p in pods if jobs or p.kind != "CronJob"]

    def providers_of(self, capability: str) -> list[Component]:
        """Components that provide ``capability``, by name."""
        comps = self.catalog.components
        by_capability = self._grouped("providers", comps, lambda n: comps[n].capabilities())
        return [comps[n] for n in sorted(by_capability.get(capability, []))]

    def egress_of(self, key: PodKey) -> list[Flow]:
        """Flows the pod opens."""
        return self._index()[0].get(key, [])

    def ingress_of(self, key: PodKey) -> list[Flow]:
        """Flows the pod accepts."""
        return self._index()[1].get(key, [])

    def _index(self) -> tuple[dict[PodKey, list[Flow]], dict[PodKey, list[Flow]]]:
        if self._by_src is None or self._by_dst is None:
            by_src: dict[PodKey, list[Flow]] = {}
            by_dst: dict[PodKey, list[Flow]] = {}
            for flow in self.flows:
                if flow.src is not None:
                    by_src.setdefault(flow.src, []).append(flow)
                by_dst.setdefault(flow.dst, []).append(flow)
            self._by_src, self._by_dst = by_src, by_dst
        return self._by_src, self._by_dst

    def external_of(self, key: PodKey) -> list[ExternalFlow]:
        """Connections the pod opens to outside the cluster."""
        return list(self._grouped("external", self.external, lambda f: (f.src,)).get(key, []))

    def grants_for(self, consumer: str) -> list[Grant]:
        """Grants made to one consumer."""
        return list(self._grouped("grants", self.grants, lambda g: (g.consumer,)).get(consumer, []))

    def grants_from(self, provider: str) -> list[Grant]:
        """Grants one provider makes, in grant order."""
        return list(self._grouped("grants_from", self.grants, lambda g: (g.provider,)).get(provider, []))

    def control_plane_ips(self) -> tuple[IPv4Address, ...]:
        """LAN addresses of control-plane nodes: where the API server runs and calls webhooks from."""
        return tuple(n.lan_ip for n in self.catalog.platform.nodes if n.role == "control-plane")
