"""NetworkPolicy reachability: which endpoint may open which connection to which.

This evaluates ``networking.k8s.io/v1`` NetworkPolicy semantics over any set of
Kubernetes manifests, independently of hearth's catalog, so that the policies
hearth renders can be checked against an implementation that did not write them.

Model. Every Pod, and every workload (Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob) as one pod named after it, is an
endpoint ``namespace/name``; each ``--peer-ip`` is an endpoint outside the cluster
that only ``ipBlock`` peers match and that no policy selects. Endpoints are
numbered, and every set of endpoints is a Python ``int`` used as a bitset: the
pods a policy selects, the peers a rule admits, the pods declaring a named port.
The matrix is then, per destination and probed port, one bitset of allowed
sources computed with a handful of bit operations rather than a policy scan per
pair.

Semantics (as the API server defaults and the upstream e2e suite expects): a pod
is isolated for a direction iff a policy of its namespace selects it with that
direction in ``policyTypes`` (default ``[Ingress]``, plus ``Egress`` when the
policy has egress rules); allowed traffic is the union of the rules of all
policies selecting it; a connection is allowed iff the source's egress and the
destination's ingress both allow it. Named ports are resolved on the destination
pod. Connections from an endpoint to itself, and between two outside IPs, are
not listed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from rich.table import Table

from hearth.verify.manifests import Document, ManifestError, load_documents

__all__ = [
    "PROTOCOLS",
    "Connection",
    "ContainerPort",
    "Endpoint",
    "Probe",
    "ReachInputError",
    "ReachMatrix",
    "ReachResult",
    "build_matrix",
    "parse_peer_ip",
    "parse_port_spec",
    "render_table",
    "run_reach",
]

PROTOCOLS = ("TCP", "UDP", "SCTP")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DEFAULT_NAMESPACE = "default"

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# kind -> (API groups it may come from, path from the object to its pod template)
_WORKLOADS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "Deployment": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "StatefulSet": (frozenset({"apps"}), ("spec", "template")),
    "DaemonSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "ReplicaSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "ReplicationController": (frozenset({""}), ("spec", "template")),
    "Job": (frozenset({"batch"}), ("spec", "template")),
    "CronJob": (frozenset({"batch"}), ("spec", "jobTemplate", "spec", "template")),
    "Pod": (frozenset({""}), ()),
}
_POLICY_GROUPS = frozenset({"networking.k8s.io", "extensions"})
_IN_MEMORY = Path("<input>")
_DIGITS = re.compile(r"[0-9]+")
_SPARSE_LIMIT = 64  # egress target sets up to this size are indexed per destination


class ReachInputError(ValueError):
    """Bad command-line input (port spec, peer IP, endpoint name); ``str()`` is one line."""


# --------------------------------------------------------------------------- public records


class Probe(NamedTuple):
    """A destination port and protocol that a connection is attempted on (a tuple: cheap to hash)."""

    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class ContainerPort:
    """A port a pod's container declares: number, protocol and optional name."""

    number: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class Endpoint:
    """A pod (``ns/name``) or an outside IP (``namespace`` is None, ``kind`` is ``"External"``)."""

    name: str
    kind: str
    namespace: str | None
    labels: Mapping[str, str]
    ips: tuple[str, ...]
    ports: tuple[ContainerPort, ...]


@dataclass(frozen=True, slots=True)
class Connection:
    """One row of the matrix: may ``src`` open ``port/protocol`` on ``dst``."""

    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of one row (``from``/``to`` keys), for :meth:`ReachResult.to_json`."""
        return {
            "from": self.src,
            "to": self.dst,
            "port": self.port,
            "protocol": self.protocol,
            "allowed": self.allowed,
        }


# --------------------------------------------------------------------------- input parsing


def parse_port_spec(spec: str) -> Probe:
    """Parse ``PORT[/PROTO]`` (``5432/TCP``, ``53/udp``, ``80``) into a :class:`Probe`; TCP by default."""
    number, slash, proto = spec.strip().partition("/")
    protocol = proto.upper() if slash else "TCP"
    if protocol not in PROTOCOLS:
        raise ReachInputError(f"port {spec!r}: protocol must be one of {', '.join(PROTOCOLS)}")
    if not _DIGITS.fullmatch(number) or not 1 <= int(number) <= 65535:
        raise ReachInputError(f"port {spec!r}: expected PORT[/PROTO] with PORT in 1-65535")
    return Probe(int(number), protocol)


def parse_peer_ip(text: str) -> str:
    """Validate an outside peer's IPv4/IPv6 address and return its canonical spelling."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ReachInputError(f"peer IP {text!r}: not an IPv4 or IPv6 address") from None


# --------------------------------------------------------------------------- manifest reading


@dataclass(frozen=True, slots=True)
class _PortMatch:
    """One entry of a rule's ``ports``: number (or range), name, or any port; and protocol."""

    port: int | str | None
    end_port: int | None
    protocol: str


@dataclass(frozen=True, slots=True)
class _Rule:
    """A rule: bitset of admitted peers; ``ports`` empty means every port."""

    peers: int
    ports: tuple[_PortMatch, ...]


@dataclass(frozen=True, slots=True)
class _Policy:
    """A parsed policy: selected pods; rules per direction, or None if the direction is not governed."""

    selected: int
    ingress: tuple[_Rule, ...] | None
    egress: tuple[_Rule, ...] | None


_Selector = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]


def _as_document(item: Document | Mapping[str, Any], index: int) -> Document:
    """Accept in-memory objects as well as loaded documents (they report as ``<input>:N``)."""
    if isinstance(item, Document):
        return item
    return Document(_IN_MEMORY, index + 1, dict(item))


def _api_group(doc: Document) -> str | None:
    """The API group of ``apiVersion`` (``""`` for core), or None when absent."""
    version = doc.obj.get("apiVersion")
    if not isinstance(version, str):
        return None
    return version.rpartition("/")[0] if "/" in version else ""


def _map(doc: Document, value: object, what: str) -> dict[str, Any]:
    """``value`` as a mapping (``None`` is empty) or a ManifestError naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(f"{what}: expected a mapping")
    return value


def _seq(doc: Document, value: object, what: str) -> list[Any]:
    """``value`` as a list (``None`` is empty) or a ManifestError naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise doc.error(f"{what}: expected a list")
    return value


def _str(doc: Document, value: object, what: str) -> str:
    """``value`` as a non-empty string or a ManifestError naming the field."""
    if not isinstance(value, str) or not value:
        raise doc.error(f"{what}: expected a non-empty string")
    return value


def _labels(doc: Document, value: object, what: str) -> dict[str, str]:
    """A label map; values must be strings, as the API server requires (``1``/``true`` are not)."""
    labels = _map(doc, value, what)
    for key, val in labels.items():
        if not isinstance(key, str) or not isinstance(val, str):
            raise doc.error(f"{what}: label {key!r} must map a string to a string (quote {val!r})")
    return labels


def _meta(doc: Document) -> tuple[str, str]:
    """(namespace, name) of a namespaced object; namespace defaults to ``default``."""
    meta = _map(doc, doc.obj.get("metadata"), "metadata")
    name = meta.get("name") or meta.get("generateName")
    namespace = meta.get("namespace") or DEFAULT_NAMESPACE
    return _str(doc, namespace, "metadata.namespace"), _str(doc, name, f"{doc.kind}: metadata.name")


def _pod_endpoint(doc: Document, namespace: str, name: str, path: tuple[str, ...]) -> Endpoint:
    """The single pod standing for a Pod or workload: labels, container ports and IPs."""
    template: dict[str, Any] = doc.obj
    where = doc.kind
    for key in path:
        where += f".{key}"
        template = _map(doc, template.get(key), where)
    meta = _map(doc, template.get("metadata"), f"{where}.metadata")
    labels = _labels(doc, meta.get("labels"), f"{where}.metadata.labels")
    spec = _map(doc, template.get("spec"), f"{where}.spec")
    containers = list(_seq(doc, spec.get("containers"), "containers"))
    for init in _seq(doc, spec.get("initContainers"), "initContainers"):
        if isinstance(init, dict) and init.get("restartPolicy") == "Always":  # sidecar containers
            containers.append(init)
    ports: list[ContainerPort] = []
    for container in containers:
        for entry in _seq(doc, _map(doc, container, "container").get("ports"), "container ports"):
            port = _map(doc, entry, "container port")
            number = port.get("containerPort")
            if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
                raise doc.error(f"{namespace}/{name}: containerPort {number!r} is not a port number")
            protocol = _protocol(doc, port.get("protocol"))
            port_name = port.get("name")
            ports.append(ContainerPort(number, protocol, port_name if isinstance(port_name, str) else None))
    ips: list[str] = []
    if not path:  # only real Pods carry a status
        status = _map(doc, doc.obj.get("status"), "status")
        raw = [status.get("podIP")] + [
            _map(doc, item, "status.podIPs").get("ip") for item in _seq(doc, status.get("podIPs"), "podIPs")
        ]
        for value in raw:
            if value:
                try:
                    ip = str(ipaddress.ip_address(str(value)))
                except ValueError:
                    raise doc.error(f"{namespace}/{name}: pod IP {value!r} is not an IP address") from None
                if ip not in ips:
                    ips.append(ip)
    return Endpoint(
        name=f"{namespace}/{name}",
        kind=doc.kind,
        namespace=namespace,
        labels=labels,
        ips=tuple(ips),
        ports=tuple(sorted(set(ports), key=lambda p: (p.number, p.protocol, p.name or ""))),
    )


def _protocol(doc: Document, value: object) -> str:
    """A protocol name, TCP when absent; anything but TCP/UDP/SCTP is an error."""
    if value is None:
        return "TCP"
    if value not in PROTOCOLS:
        raise doc.error(f"protocol {value!r} is not one of {', '.join(PROTOCOLS)}")
    return str(value)


def _selector(doc: Document, value: object, what: str) -> _Selector:
    """Parse a LabelSelector into a hashable form, rejecting what the API server rejects."""
    sel = _map(doc, value, what)
    labels = _labels(doc, sel.get("matchLabels"), f"{what}.matchLabels")
    exprs: list[tuple[str, str, tuple[str, ...]]] = []
    for raw in _seq(doc, sel.get("matchExpressions"), f"{what}.matchExpressions"):
        expr = _map(doc, raw, f"{what}.matchExpressions[]")
        key = _str(doc, expr.get("key"), f"{what}.matchExpressions[].key")
        op = expr.get("operator")
        values = _seq(doc, expr.get("values"), f"{what}.matchExpressions[].values")
        if not all(isinstance(v, str) for v in values):
            raise doc.error(f"{what}.matchExpressions: values of {key!r} must be strings")
        if op in ("In", "NotIn") and not values:
            raise doc.error(f"{what}.matchExpressions: operator {op} on {key!r} needs values")
        if op in ("Exists", "DoesNotExist") and values:
            raise doc.error(f"{what}.matchExpressions: operator {op} on {key!r} takes no values")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise doc.error(f"{what}.matchExpressions: unsupported operator {op!r}")
        exprs.append((key, str(op), tuple(sorted(values))))
    return tuple(sorted(labels.items())), tuple(exprs)


# --------------------------------------------------------------------------- the model


class _LabelIndex:
    """Bitsets of pods per label ``(key, value)`` and per key, over a universe of pods."""

    def __init__(self, universe: int) -> None:
        self.universe = universe
        self.pairs: dict[tuple[str, str], int] = {}
        self.keys: dict[str, int] = {}

    def add(self, labels: Mapping[str, str], bits: int) -> None:
        """Record that the pods in ``bits`` carry ``labels``."""
        for key, value in labels.items():
            self.pairs[(key, value)] = self.pairs.get((key, value), 0) | bits
            self.keys[key] = self.keys.get(key, 0) | bits

    def select(self, selector: _Selector, within: int) -> int:
        """Pods of ``within`` that the selector matches (all terms ANDed; ``{}`` matches all)."""
        bits = within & self.universe
        for pair in selector[0]:
            bits &= self.pairs.get(pair, 0)
        for key, op, values in selector[1]:
            if op in ("In", "NotIn"):
                hit = 0
                for value in values:
                    hit |= self.pairs.get((key, value), 0)
                bits = bits & hit if op == "In" else bits & ~hit
            elif op == "Exists":
                bits &= self.keys.get(key, 0)
            else:
                bits &= ~self.keys.get(key, 0)
        return bits


class _ModelBuilder:
    """Turns documents into numbered endpoints and policies over endpoint bitsets."""

    def __init__(self, docs: Sequence[Document], peer_ips: Sequence[str]) -> None:
        namespaces: dict[str, dict[str, str]] = {}
        pods: dict[str, tuple[Document, Endpoint]] = {}
        policies: dict[tuple[str, str], Document] = {}
        referenced: set[str] = set()
        for doc in docs:
            kind, group = doc.kind, _api_group(doc)
            if kind == "Namespace" and group in (None, ""):
                meta = _map(doc, doc.obj.get("metadata"), "metadata")
                name = _str(doc, meta.get("name"), "Namespace: metadata.name")
                namespaces[name] = {
                    **_labels(doc, meta.get("labels"), "metadata.labels"),
                    NAMESPACE_NAME_LABEL: name,
                }
            elif kind == "NetworkPolicy" and group in (None, *_POLICY_GROUPS):
                namespace, name = _meta(doc)
                policies[(namespace, name)] = doc
                referenced.add(namespace)
            elif kind in _WORKLOADS and (group is None or group in _WORKLOADS[kind][0]):
                namespace, name = _meta(doc)
                endpoint = _pod_endpoint(doc, namespace, name, _WORKLOADS[kind][1])
                previous = pods.get(endpoint.name)
                if previous is not None and previous[1].kind != kind:
                    raise doc.error(
                        f"{kind} {endpoint.name} has the same endpoint name as the "
                        f"{previous[1].kind} at {previous[0].path}:{previous[0].line}"
                    )
                pods[endpoint.name] = (doc, endpoint)
                referenced.add(namespace)
        for name in referenced - namespaces.keys():
            namespaces[name] = {NAMESPACE_NAME_LABEL: name}
        externals = sorted(
            {parse_peer_ip(ip) for ip in peer_ips},
            key=lambda s: (ipaddress.ip_address(s).version, ipaddress.ip_address(s)),
        )
        self.endpoints: tuple[Endpoint, ...] = tuple(pods[name][1] for name in sorted(pods)) + tuple(
            Endpoint(ip, "External", None, {}, (ip,), ()) for ip in externals
        )
        count = len(self.endpoints)
        self.all = (1 << count) - 1
        self.pods_mask = (1 << len(pods)) - 1
        self.ns_pods: dict[str, int] = dict.fromkeys(namespaces, 0)
        self.pod_labels = _LabelIndex(self.pods_mask)
        self.ns_labels = _LabelIndex(self.pods_mask)
        self.named_ports: dict[tuple[str, str, int], int] = {}
        self.ip_endpoints: list[tuple[int, _IPAddress]] = []
        for index, endpoint in enumerate(self.endpoints):
            bit = 1 << index
            if endpoint.namespace is not None:
                self.ns_pods[endpoint.namespace] |= bit
                self.pod_labels.add(endpoint.labels, bit)
                for port in endpoint.ports:
                    if port.name:
                        key = (port.name, port.protocol, port.number)
                        self.named_ports[key] = self.named_ports.get(key, 0) | bit
            self.ip_endpoints.extend((index, ipaddress.ip_address(ip)) for ip in endpoint.ips)
        for name, labels in namespaces.items():
            self.ns_labels.add(labels, self.ns_pods[name])
        self._cache: dict[tuple[object, ...], int] = {}
        self.policies = [self._policy(doc, namespace) for (namespace, _), doc in sorted(policies.items())]

    def _policy(self, doc: Document, namespace: str) -> _Policy:
        """Parse one NetworkPolicy, applying the API server's ``policyTypes`` default."""
        spec = _map(doc, doc.obj.get("spec"), "spec")
        selected = self._select("pod", _selector(doc, spec.get("podSelector"), "spec.podSelector"), namespace)
        ingress_raw = _seq(doc, spec.get("ingress"), "spec.ingress")
        egress_raw = _seq(doc, spec.get("egress"), "spec.egress")
        types = _seq(doc, spec.get("policyTypes"), "spec.policyTypes")
        if not types:
            types = ["Ingress", "Egress"] if egress_raw else ["Ingress"]
        for value in types:
            if value not in ("Ingress", "Egress"):
                raise doc.error(f"spec.policyTypes: {value!r} is not Ingress or Egress")
        ingress = tuple(self._rule(doc, r, "from", namespace) for r in ingress_raw) if "Ingress" in types else None
        egress = tuple(self._rule(doc, r, "to", namespace) for r in egress_raw) if "Egress" in types else None
        return _Policy(selected, ingress, egress)

    def _rule(self, doc: Document, raw: object, peers_key: str, namespace: str) -> _Rule:
        """Parse one rule; absent or empty ``from``/``to`` admits every endpoint, outside IPs included."""
        rule = _map(doc, raw, "rule")
        peers_raw = _seq(doc, rule.get(peers_key), peers_key)
        peers = 0 if peers_raw else self.all
        for peer in peers_raw:
            peers |= self._peer(doc, _map(doc, peer, peers_key), namespace)
        ports: list[_PortMatch] = []
        for entry in _seq(doc, rule.get("ports"), "ports"):
            port = _map(doc, entry, "ports[]")
            value = port.get("port")
            if isinstance(value, str) and _DIGITS.fullmatch(value):
                value = int(value)
            if not (
                value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
            ):
                raise doc.error(f"ports: port {value!r} must be a number or a port name")
            end = port.get("endPort")
            if end is not None and (not isinstance(value, int) or not isinstance(end, int) or end < value):
                raise doc.error(f"ports: endPort {end!r} needs a numeric port not above it")
            ports.append(_PortMatch(value, end, _protocol(doc, port.get("protocol"))))
        return _Rule(peers, tuple(ports))

    def _peer(self, doc: Document, peer: dict[str, Any], namespace: str) -> int:
        """Endpoints one peer admits: pod/namespace selectors (ANDed when both) or an ipBlock."""
        has_pod, has_ns = peer.get("podSelector") is not None, peer.get("namespaceSelector") is not None
        block = peer.get("ipBlock")
        if block is not None:
            if has_pod or has_ns:
                raise doc.error("peer: ipBlock cannot be combined with podSelector or namespaceSelector")
            return self._ip_block(doc, _map(doc, block, "ipBlock"))
        if not (has_pod or has_ns):
            raise doc.error("peer: needs podSelector, namespaceSelector or ipBlock")
        if has_ns:
            bits = self._select("ns", _selector(doc, peer["namespaceSelector"], "namespaceSelector"), None)
        else:
            bits = self.ns_pods.get(namespace, 0)
        if has_pod:
            bits &= self._select("pod", _selector(doc, peer["podSelector"], "podSelector"), None)
        return bits

    def _select(self, index: str, selector: _Selector, namespace: str | None) -> int:
        """Cached selector evaluation over pod labels or namespace labels, optionally in one namespace."""
        key = (index, namespace, selector)
        if key not in self._cache:
            labels = self.pod_labels if index == "pod" else self.ns_labels
            within = self.pods_mask if namespace is None else self.ns_pods.get(namespace, 0)
            self._cache[key] = labels.select(selector, within)
        return self._cache[key]

    def _ip_block(self, doc: Document, block: dict[str, Any]) -> int:
        """Endpoints with a known IP inside ``cidr`` and outside every ``except``."""
        try:
            cidr = ipaddress.ip_network(_str(doc, block.get("cidr"), "ipBlock.cidr"), strict=False)
            excepts = [
                ipaddress.ip_network(_str(doc, e, "ipBlock.except[]"), strict=False)
                for e in _seq(doc, block.get("except"), "ipBlock.except")
            ]
        except ValueError as exc:
            if isinstance(exc, ManifestError):
                raise
            raise doc.error(f"ipBlock: {exc}") from None
        bits = 0
        for index, ip in self.ip_endpoints:
            if _in(ip, cidr) and not any(_in(ip, net) for net in excepts):
                bits |= 1 << index
        return bits


def _in(ip: _IPAddress, net: _IPNetwork) -> bool:
    """``ip in net`` that is simply False across IP versions."""
    return ip.version == net.version and ip in net


def _set_bits(bits: int) -> Iterator[int]:
    """Indices of the set bits of ``bits``, ascending (fast for dense and sparse sets alike)."""
    text = bin(bits)[:1:-1]
    index = text.find("1")
    while index >= 0:
        yield index
        index = text.find("1", index + 1)


# --------------------------------------------------------------------------- the matrix


@dataclass
class _EgressIndex:
    """For one probe: sources whose egress admits each destination (sparse part + dense part)."""

    sparse: dict[int, int] = field(default_factory=dict)
    dense: list[tuple[int, int]] = field(default_factory=list)

    def sources(self, dst: int) -> int:
        """Egress-isolated sources whose rules allow reaching ``dst`` on this probe."""
        bits = self.sparse.get(dst, 0)
        for targets, sources in self.dense:
            if targets >> dst & 1:
                bits |= sources
        return bits


class ReachMatrix:
    """The reachability matrix over endpoints, with cheap queries for auditors.

    Build it with :func:`build_matrix`. Every (destination, probed port) pair is
    computed once as a bitset of allowed sources; :meth:`allowed` also answers
    for ports that were not probed, computing and caching them on demand.
    """

    def __init__(self, builder: _ModelBuilder, ports: Sequence[Probe] | None) -> None:
        self.endpoints = builder.endpoints
        self._index = {endpoint.name: i for i, endpoint in enumerate(self.endpoints)}
        self._all = builder.all
        self._pods_mask = builder.pods_mask
        self._named = builder.named_ports
        count = len(self.endpoints)
        self._ingress: list[list[_Rule] | None] = [None] * count
        egress_isolated = 0
        self._egress_rules: list[tuple[int, _Rule]] = []
        for policy in builder.policies:
            if policy.ingress is not None:
                for dst in _set_bits(policy.selected):
                    rules = self._ingress[dst]
                    if rules is None:
                        rules = self._ingress[dst] = []
                    rules.extend(policy.ingress)
            if policy.egress is not None:
                egress_isolated |= policy.selected
                self._egress_rules.extend((policy.selected, rule) for rule in policy.egress)
        self._egress_free = self._all & ~egress_isolated
        self._egress_isolated = egress_isolated
        fixed = tuple(sorted(set(ports))) if ports else None
        self._probes: list[tuple[Probe, ...]] = [
            fixed if fixed is not None else tuple(sorted({Probe(p.number, p.protocol) for p in e.ports}))
            for e in self.endpoints
        ]
        self._port_masks: dict[tuple[int, Probe], int] = {}  # keyed by id() of a rule's ports
        self._egress_index: dict[Probe, _EgressIndex] = {}
        self._bits: dict[tuple[int, Probe], int] = {}
        for dst, probes in enumerate(self._probes):
            for probe in probes:
                self._sources(dst, probe)

    # ---------------------------------------------------------------- queries

    def allowed(self, src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
        """May ``src`` connect to ``dst`` on ``port/protocol``? (False for ``src == dst``.)"""
        return bool(self._sources(self._lookup(dst), Probe(port, protocol.upper())) >> self._lookup(src) & 1)

    def allowed_sources(self, dst: str, port: int, protocol: str = "TCP") -> list[str]:
        """Every endpoint allowed to connect to ``dst`` on ``port/protocol``, in endpoint order."""
        bits = self._sources(self._lookup(dst), Probe(port, protocol.upper()))
        return [self.endpoints[i].name for i in _set_bits(bits)]

    def probes(self, dst: str) -> tuple[Probe, ...]:
        """The ports probed on ``dst`` (given ``--port``s, else its declared container ports)."""
        return self._probes[self._lookup(dst)]

    def ingress_isolated(self, name: str) -> bool:
        """Is ``name`` selected by a policy governing ingress (so only listed traffic reaches it)?"""
        return self._ingress[self._lookup(name)] is not None

    def egress_isolated(self, name: str) -> bool:
        """Is ``name`` selected by a policy governing egress?"""
        return bool(self._egress_isolated >> self._lookup(name) & 1)

    def sides(self, src: str, dst: str, port: int, protocol: str = "TCP") -> tuple[bool, bool]:
        """``(egress, ingress)``: does ``src``'s egress allow this connection, does ``dst``'s ingress admit it?

        :meth:`allowed` is both at once (and False for ``src == dst``); this tells which side denies, for reports.
        """
        s, d = self._lookup(src), self._lookup(dst)
        probe = Probe(port, protocol.upper())
        rules = self._ingress[d]
        ingress = rules is None or any(
            (self._port_mask(rule.ports, probe) >> d & 1) and (rule.peers >> s & 1) for rule in rules
        )
        egress = bool((self._egress_free | self._egress_for(probe).sources(d)) >> s & 1)
        return egress, ingress

    def allowed_flows(self) -> Iterator[Connection]:
        """Only the allowed rows of :meth:`connections`, same order, cost proportional to their number."""
        per_src: list[list[tuple[int, Probe]]] = [[] for _ in self.endpoints]
        for dst, probes in enumerate(self._probes):
            for probe in probes:
                for src in _set_bits(self._bits[(dst, probe)]):
                    per_src[src].append((dst, probe))
        names = [endpoint.name for endpoint in self.endpoints]
        for src, flows in enumerate(per_src):
            for dst, probe in flows:
                yield Connection(names[src], names[dst], probe.port, probe.protocol, True)

    def connections(self) -> Iterator[Connection]:
        """Every row: each ordered pair of distinct endpoints (not both outside), each probe of the dst.

        Ordered by source, destination (endpoint order: pods by name, then
        outside IPs) and probe (port, protocol).
        """
        names = [endpoint.name for endpoint in self.endpoints]
        rows = [[(probe, self._bits[(dst, probe)]) for probe in probes] for dst, probes in enumerate(self._probes)]
        outside = self._all & ~self._pods_mask
        for src, src_name in enumerate(names):
            src_outside = outside >> src & 1
            for dst, dst_rows in enumerate(rows):
                if dst == src or (src_outside and outside >> dst & 1):
                    continue
                dst_name = names[dst]
                for probe, bits in dst_rows:
                    yield Connection(src_name, dst_name, probe.port, probe.protocol, bool(bits >> src & 1))

    # ---------------------------------------------------------------- evaluation

    def _lookup(self, name: str) -> int:
        """Index of an endpoint by name (``ns/pod`` or an IP as given to ``--peer-ip``)."""
        index = self._index.get(name)
        if index is None:
            try:
                index = self._index.get(parse_peer_ip(name))
            except ReachInputError:
                index = None
        if index is None:
            raise ReachInputError(f"unknown endpoint {name!r} (expected namespace/name or a --peer-ip)")
        return index

    def _sources(self, dst: int, probe: Probe) -> int:
        """Bitset of endpoints allowed to reach ``dst`` on ``probe`` (computed once, then cached)."""
        key = (dst, probe)
        bits = self._bits.get(key)
        if bits is None:
            ingress = self._ingress[dst]
            if ingress is None:
                allowed = self._all
            else:
                allowed = 0
                for rule in ingress:
                    if self._port_mask(rule.ports, probe) >> dst & 1:
                        allowed |= rule.peers
            egress = self._egress_free | self._egress_for(probe).sources(dst)
            bits = allowed & egress & ~(1 << dst)
            if not self._pods_mask >> dst & 1:
                bits &= self._pods_mask  # outside to outside is not the cluster's business
            self._bits[key] = bits
        return bits

    def _egress_for(self, probe: Probe) -> _EgressIndex:
        """Index, for one probe, of which egress-isolated sources each destination admits."""
        index = self._egress_index.get(probe)
        if index is None:
            grouped: dict[int, int] = {}
            for sources, rule in self._egress_rules:
                targets = rule.peers & self._port_mask(rule.ports, probe)
                if targets:
                    grouped[targets] = grouped.get(targets, 0) | sources
            index = _EgressIndex()
            for targets, sources in grouped.items():
                if targets.bit_count() > _SPARSE_LIMIT:
                    index.dense.append((targets, sources))
                    continue
                for dst in _set_bits(targets):
                    index.sparse[dst] = index.sparse.get(dst, 0) | sources
            self._egress_index[probe] = index
        return index

    def _port_mask(self, ports: tuple[_PortMatch, ...], probe: Probe) -> int:
        """Destinations on which a rule's ``ports`` match ``probe`` (named ports resolved per pod)."""
        if not ports:
            return self._all
        key = (id(ports), probe)  # rules, and so their ports tuples, live as long as the matrix
        mask = self._port_masks.get(key)
        if mask is None:
            mask = 0
            for match in ports:
                if match.protocol != probe.protocol:
                    continue
                if match.port is None:
                    mask = self._all
                elif isinstance(match.port, int):
                    if match.port <= probe.port <= (match.end_port or match.port):
                        mask = self._all
                else:
                    mask |= self._named.get((match.port, probe.protocol, probe.port), 0)
                if mask == self._all:
                    break
            self._port_masks[key] = mask
        return mask


# --------------------------------------------------------------------------- entry points


def build_matrix(
    docs: Iterable[Document | Mapping[str, Any]],
    ports: Sequence[Probe] | None = None,
    peer_ips: Sequence[str] = (),
) -> ReachMatrix:
    """Compute the full matrix for already-loaded objects (files' documents or plain dicts).

    ``ports`` fixes the probes for every destination; without it each destination
    is probed on its declared container ports. Raises :class:`ManifestError` on
    objects that the API server would reject in ways that change the answer.
    """
    documents = [_as_document(item, i) for i, item in enumerate(docs)]
    return ReachMatrix(_ModelBuilder(documents, peer_ips), ports)


@dataclass(frozen=True)
class ReachResult:
    """The outcome of ``hearth reach``: the matrix, and its rows as :class:`Connection` records."""

    matrix: ReachMatrix

    @cached_property
    def connections(self) -> list[Connection]:
        """Every probed connection, allowed or not, in the matrix's deterministic order."""
        return list(self.matrix.connections())

    def to_json(self) -> dict[str, list[dict[str, object]]]:
        """The JSON-ready form: ``{"connections": [{"from", "to", "port", "protocol", "allowed"}]}``."""
        return {"connections": [connection.to_dict() for connection in self.connections]}

    def dumps(self) -> str:
        """:meth:`to_json` serialised with stable indentation, for ``--json`` output."""
        return json.dumps(self.to_json(), indent=2)


def run_reach(paths: list[Path], ports: list[str], peer_ips: list[str]) -> ReachResult:
    """Load manifests under ``paths`` and evaluate reachability: the ``hearth reach`` command.

    ``ports`` are ``PORT[/PROTO]`` specs (none: each destination's declared
    ports); ``peer_ips`` add outside endpoints. Bad input raises
    :class:`ReachInputError` or :class:`ManifestError` (both ``ValueError``)
    whose ``str()`` is one line fit to print.
    """
    probes = [parse_port_spec(spec) for spec in ports]
    ips = [parse_peer_ip(ip) for ip in peer_ips]
    documents = load_documents(paths)
    return ReachResult(build_matrix(documents, probes or None, ips))


def render_table(result: ReachResult, *, allowed_only: bool = False, title: str | None = None) -> Table:
    """A rich table of the connections (or only the allowed ones), for terminal output."""
    table = Table(title=title)
    for column in ("From", "To", "Port"):
        table.add_column(column, justify="right" if column == "Port" else "left")
    table.add_column("Verdict")
    rows = result.matrix.allowed_flows() if allowed_only else iter(result.connections)
    for row in rows:
        verdict = "[green]allow[/green]" if row.allowed else "[red]deny[/red]"
        table.add_row(row.src, row.dst, f"{row.port}/{row.protocol}", verdict)
    return table
