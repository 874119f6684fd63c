"""The reachability model: manifests turned into numbered endpoints and policies over endpoint bitsets.

Every Pod, and every workload (:data:`hearth.verify.build.workloads.WORKLOADS`) as one pod named after it, is an
endpoint ``namespace/name``; outside IPs follow the pods. Endpoints are numbered, and every set of endpoints is a
Python ``int`` used as a bitset: the pods a policy selects, the peers a rule admits, the pods declaring a named
port. Selectors are evaluated once each, over label indexes, and cached.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hearth.verify.build.manifests import Document
from hearth.verify.build.workloads import WORKLOADS
from hearth.verify.reach.parse import (
    Selector,
    api_group,
    field_labels,
    field_list,
    field_mapping,
    field_protocol,
    field_selector,
    field_string,
    object_meta,
    pod_endpoint,
)
from hearth.verify.reach.records import PORT_NUMBER, Endpoint, parse_peer_ip
from hearth.verify.reach.validation import cidr, port_name, port_number, strict_subset

__all__ = ["NAMESPACE_NAME_LABEL", "Policy", "PortMatch", "ReachModel", "Rule", "set_bits"]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_POLICY_GROUPS = frozenset({"networking.k8s.io", "extensions"})


@dataclass(frozen=True, slots=True)
class PortMatch:
    """One entry of a rule's ``ports``: number (or range), name, or any port; and protocol."""

    port: int | str | None
    end_port: int | None
    protocol: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: bitset of admitted peers; ``ports`` empty means every port."""

    peers: int
    ports: tuple[PortMatch, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy: selected pods; rules per direction, or None if the direction is not governed."""

    selected: int
    ingress: tuple[Rule, ...] | None
    egress: tuple[Rule, ...] | None


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

    def select(self, selector: Selector, within: int) -> int:
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


class ReachModel:
    """Documents turned into numbered ``endpoints`` and ``policies`` over endpoint bitsets."""

    def __init__(self, docs: Sequence[Document], peer_ips: Sequence[str]) -> None:
        namespaces: dict[str, dict[str, str]] = {}
        pods: dict[str, tuple[Document, Endpoint]] = {}
        policies: dict[tuple[str, str], Document] = {}
        referenced: set[str] = set()
        for doc in docs:
            kind, group = doc.kind, api_group(doc)
            if kind == "Namespace" and group in (None, ""):
                meta = field_mapping(doc, doc.obj.get("metadata"), "metadata")
                name = field_string(doc, meta.get("name"), "Namespace: metadata.name")
                namespaces[name] = {
                    **field_labels(doc, meta.get("labels"), "metadata.labels"),
                    NAMESPACE_NAME_LABEL: name,
                }
            elif kind == "NetworkPolicy" and group in (None, *_POLICY_GROUPS):
                namespace, name = object_meta(doc)
                policies[(namespace, name)] = doc
                referenced.add(namespace)
            elif kind in WORKLOADS and (group is None or group in WORKLOADS[kind][0]):
                namespace, name = object_meta(doc)
                endpoint = pod_endpoint(doc, namespace, name, WORKLOADS[kind][1])
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

    def _policy(self, doc: Document, namespace: str) -> Policy:
        """Parse one NetworkPolicy, applying the API server's ``policyTypes`` default."""
        spec = field_mapping(doc, doc.obj.get("spec"), "spec")
        selected = self._select("pod", field_selector(doc, spec.get("podSelector"), "spec.podSelector"), namespace)
        ingress_raw = field_list(doc, spec.get("ingress"), "spec.ingress")
        egress_raw = field_list(doc, spec.get("egress"), "spec.egress")
        types = field_list(doc, spec.get("policyTypes"), "spec.policyTypes")
        if not types:
            types = ["Ingress", "Egress"] if egress_raw else ["Ingress"]
        for value in types:
            if value not in ("Ingress", "Egress"):
                raise doc.error(f"spec.policyTypes: {value!r} is not Ingress or Egress")
        ingress = (
            tuple(self._rule(doc, r, "from", namespace, f"spec.ingress[{i}]") for i, r in enumerate(ingress_raw))
            if "Ingress" in types
            else None
        )
        egress = (
            tuple(self._rule(doc, r, "to", namespace, f"spec.egress[{i}]") for i, r in enumerate(egress_raw))
            if "Egress" in types
            else None
        )
        return Policy(selected, ingress, egress)

    def _rule(self, doc: Document, raw: object, peers_key: str, namespace: str, where: str) -> Rule:
        """Parse one rule; absent or empty ``from``/``to`` admits every endpoint, outside IPs included."""
        rule = field_mapping(doc, raw, where)
        peers_raw = field_list(doc, rule.get(peers_key), f"{where}.{peers_key}")
        peers = 0 if peers_raw else self.all
        for index, peer in enumerate(peers_raw):
            at = f"{where}.{peers_key}[{index}]"
            peers |= self._peer(doc, field_mapping(doc, peer, at), namespace, at)
        ports: list[PortMatch] = []
        for index, entry in enumerate(field_list(doc, rule.get("ports"), f"{where}.ports")):
            at = f"{where}.ports[{index}]"
            port = field_mapping(doc, entry, at)
            value = port.get("port")
            if isinstance(value, str) and PORT_NUMBER.fullmatch(value):
                value = int(value)
            if isinstance(value, bool) or not (value is None or isinstance(value, str | int)):
                raise doc.error(f"{at}.port: {value!r}: must be a number or a port name")
            if isinstance(value, int):
                port_number(doc, value, f"{at}.port")
            elif isinstance(value, str):
                port_name(doc, value, f"{at}.port")
            end = port.get("endPort")
            if end is not None:
                if isinstance(end, bool) or not isinstance(end, int):
                    raise doc.error(f"{at}.endPort: {end!r}: must be a number")
                if value is None:
                    raise doc.error(f"{at}.endPort: {end}: may not be specified when `port` is not specified")
                if not isinstance(value, int):
                    raise doc.error(f"{at}.endPort: {end}: may not be specified when `port` is non-numeric")
                if end < value:
                    raise doc.error(f"{at}.endPort: {end}: must be greater than or equal to `port`")
                port_number(doc, end, f"{at}.endPort")
            ports.append(PortMatch(value, end, field_protocol(doc, port.get("protocol"), f"{at}.protocol")))
        return Rule(peers, tuple(ports))

    def _peer(self, doc: Document, peer: dict[str, Any], namespace: str, where: str) -> int:
        """Endpoints one peer admits: pod/namespace selectors (ANDed when both) or an ipBlock."""
        has_pod, has_ns = peer.get("podSelector") is not None, peer.get("namespaceSelector") is not None
        block = peer.get("ipBlock")
        if block is not None:
            if has_pod or has_ns:
                raise doc.error(f"{where}: may not specify both ipBlock and another peer")
            return self._ip_block(doc, field_mapping(doc, block, f"{where}.ipBlock"), f"{where}.ipBlock")
        if not (has_pod or has_ns):
            raise doc.error(f"{where}: must specify a peer (podSelector, namespaceSelector or ipBlock)")
        if has_ns:
            selector = field_selector(doc, peer["namespaceSelector"], f"{where}.namespaceSelector")
            bits = self._select("ns", selector, None)
        else:
            bits = self.ns_pods.get(namespace, 0)
        if has_pod:
            bits &= self._select("pod", field_selector(doc, peer["podSelector"], f"{where}.podSelector"), None)
        return bits

    def _select(self, index: str, selector: Selector, namespace: str | None) -> int:
        """Cached selector evaluation over pod labels or namespace labels, optionally in one namespace."""
        key = (index, namespace, selector)
        if key not in self._cache:
            labels = self.pod_labels if index == "pod" else self.ns_labels
            within = self.pods_mask if namespace is None else self.ns_pods.get(namespace, 0)
            self._cache[key] = labels.select(selector, within)
        return self._cache[key]

    def _ip_block(self, doc: Document, block: dict[str, Any], where: str) -> int:
        """Endpoints with a known IP inside ``cidr`` and outside every ``except`` (each a strict subset of it)."""
        outer = cidr(doc, field_string(doc, block.get("cidr"), f"{where}.cidr"), f"{where}.cidr")
        excepts = []
        for index, raw in enumerate(field_list(doc, block.get("except"), f"{where}.except")):
            at = f"{where}.except[{index}]"
            text = field_string(doc, raw, at)
            inner = cidr(doc, text, at)
            strict_subset(doc, outer, inner, text, at)
            excepts.append(inner)
        bits = 0
        for index, ip in self.ip_endpoints:
            if _in(ip, outer) and not any(_in(ip, net) for net in excepts):
                bits |= 1 << index
        return bits


def _in(ip: _IPAddress, net: _IPNetwork) -> bool:
    """``ip in net`` that is simply False across IP versions."""
    return ip.version == net.version and ip in net


def set_bits(bits: int) -> Iterator[int]:
    """Indices of the set bits of ``bits``, ascending (fast for dense and sparse sets alike)."""
    text = bin(bits)[:1:-1]
    index = text.find("1")
    while index >= 0:
        yield index
        index = text.find("1", index + 1)
