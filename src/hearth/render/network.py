"""NetworkPolicies, derived from the resolved flows and never written per component.

Every managed namespace denies all ingress and egress by default and lets its pods reach cluster DNS. Then each
pod gets one policy that admits exactly the flows whose destination it is and allows exactly the flows it
opens. Rules name ports by number and protocol, as the destination pod's container listens on them.
"""

from __future__ import annotations

from collections import defaultdict
from ipaddress import IPv4Address
from typing import Any

from hearth.catalog.models import Namespace
from hearth.contract import COMPONENT, HEARTH_LABELS
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.resolve.records import Flow, Pod, Resolved

NS_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}
API_SERVER_PORT = 6443
POLICY_LABELS = dict(HEARTH_LABELS)


def namespace_policies(namespace: Namespace, node_local_dns: IPv4Address | None = None) -> list[Manifest]:
    """Default deny in both directions, and DNS for every pod of a managed namespace.

    DNS is the CoreDNS pods (kube-system, k8s-app=kube-dns) and, where the installer runs a node-local cache,
    its link-local address: pods resolve through the cache, which forwards to CoreDNS.
    """
    node_cache = [{"ipBlock": {"cidr": f"{node_local_dns}/32"}}] if node_local_dns is not None else []
    dns_rule = {
        "to": [peer_selector(DNS_NAMESPACE, DNS_LABELS), *node_cache],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    return [
        network_policy("default-deny", namespace.name, POLICY_LABELS, {}),
        network_policy("allow-dns", namespace.name, POLICY_LABELS, {}, egress=[dns_rule]),
    ]


def network_policy(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> Manifest:
    """The one NetworkPolicy constructor: the pods ``selector`` matches (all when empty) admit ``ingress`` and
    open ``egress``.

    A direction given (even as an empty list: nothing) is a policy type; a direction left out is not governed by
    this policy. With neither given, both are governed and nothing is allowed: a default deny.
    """
    spec: dict[str, Any] = {"podSelector": {"matchLabels": dict(selector)} if selector else {}}
    rules = {"Ingress": ingress, "Egress": egress}
    types = [kind for kind, given in rules.items() if given is not None]
    spec["policyTypes"] = types or list(rules)
    spec.update({kind.lower(): given for kind, given in rules.items() if given is not None})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, labels),
        "spec": spec,
    }


def peer_selector(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """A NetworkPolicy peer: the pods labelled ``labels`` in ``namespace``, by its metadata name label."""
    return {"namespaceSelector": {"matchLabels": {NS_LABEL: namespace}}, "podSelector": {"matchLabels": dict(labels)}}


def _peer(pod: Pod) -> dict[str, Any]:
    return peer_selector(pod.namespace, dict(sorted(pod.labels.items())))


def _ports(flows: list[Flow]) -> list[dict[str, Any]]:
    unique = sorted({(f.port.protocol, f.port.port) for f in flows})
    return [{"protocol": proto, "port": number} for proto, number in unique]


def _rules(resolved: Resolved, flows: list[Flow], peer_of: str) -> list[dict[str, Any]]:
    """Group flows by peer: one rule per peer pod (or external address set) with all its ports."""
    by_peer: dict[Any, list[Flow]] = defaultdict(list)
    for flow in flows:
        key = getattr(flow, peer_of)
        by_peer[key if key is not None else ("ip", flow.src_ips)].append(flow)
    rules: list[dict[str, Any]] = []
    for key in sorted(by_peer, key=str):
        group = by_peer[key]
        if isinstance(key, tuple) and key and key[0] == "ip":
            peers = [{"ipBlock": {"cidr": f"{ip}/32"}} for ip in group[0].src_ips]
        else:
            peers = [_peer(resolved.pods[key])]
        rules.append({("from" if peer_of == "src" else "to"): peers, "ports": _ports(group)})
    return rules


def pod_policy(resolved: Resolved, pod: Pod) -> Manifest:
    """The policy of one pod: exactly its intended ingress and egress."""
    ingress = _rules(resolved, resolved.ingress_of(pod.key), "src")
    egress = _rules(resolved, resolved.egress_of(pod.key), "dst")
    for external in resolved.external_of(pod.key):
        block: dict[str, Any] = {"cidr": external.cidr}
        if external.excepts:
            block["except"] = list(external.excepts)
        ports = [{"protocol": proto, "port": number} for proto, number in sorted(set(external.ports))]
        egress.append({"to": [{"ipBlock": block}], "ports": ports})
    if pod.api_access:
        cidrs = [{"ipBlock": {"cidr": f"{ip}/32"}} for ip in resolved.control_plane_ips()]
        egress.append({"to": cidrs, "ports": [{"protocol": "TCP", "port": API_SERVER_PORT}]})
    name = pod.component if pod.name == "main" else f"{pod.component}-{pod.name}"
    labels = {**POLICY_LABELS, COMPONENT: pod.component}
    return network_policy(name, pod.namespace, labels, dict(sorted(pod.labels.items())), ingress, egress)


def render_network(resolved: Resolved, component_name: str) -> list[Manifest]:
    """The NetworkPolicies a component's chart (or companion chart) carries: one per pod it runs, jobs included."""
    return [pod_policy(resolved, pod) for pod in resolved.pods_of(component_name, jobs=True)]
