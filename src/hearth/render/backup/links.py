"""The connections backups need that the resolved flows do not know, and everything rendered from them.

A dump job reaches its database, the s3 provider and Vault; Velero's pods reach s3, Vault and the API server;
the metrics scraper reaches Velero's metrics port. :func:`backup_links` computes these ``Link``s, once, and
both sides of the audit are rendered from that one list, so they cannot disagree:

* the NetworkPolicies (:func:`render_backup_policies`): each link yields an egress policy in the chart of its
  source and an ingress policy in the chart of its destination, so every pod's policies stay in its own chart
  and NetworkPolicies, being additive, admit exactly these connections;
* the intent: a link ``stated_by`` :data:`CONNECTS` is listed in the source pod's ``hearth.dev/connects-to``
  (:func:`connects_to`); one stated by :data:`SCRAPES` is a ServiceMonitor on the destination's Service,
  which the metrics scraper follows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hearth.catalog.models import Component, Port
from hearth.render.backup.dump_targets import dump_job_labels, dump_target
from hearth.render.backup.velero_pods import velero_pods
from hearth.render.defaults import metadata
from hearth.render.intent import COMPONENT
from hearth.render.model import Manifest
from hearth.render.network import API_SERVER_PORT, NS_LABEL, POLICY_LABELS
from hearth.resolve import HEARTH_POD, Endpoint, Pod, Resolved, provider_endpoint

CONNECTS = "connects-to"
"""The source pod states the link in its ``hearth.dev/connects-to``."""
SCRAPES = "ServiceMonitor"
"""A ServiceMonitor on the destination's Service states the link; the metrics scraper follows it."""


@dataclass(frozen=True)
class Peer:
    """A pod a backup connection starts or ends at; ``chart`` is the component whose chart holds its policies.

    ``service`` is the Service in front of the pod (what a connects-to entry names); ``api_server``: the link
    policies of this source also let it reach the API server, since no other policy of its chart does.
    """

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    chart: str
    service: str | None = None
    api_server: bool = False


@dataclass(frozen=True)
class Link:
    """One connection backups need that the resolved flows do not have, and what states its intent."""

    src: Peer
    dst: Peer
    port: int
    protocol: str
    port_name: str
    stated_by: str = CONNECTS

    @property
    def target(self) -> str:
        """The link as a connects-to entry: ``NAMESPACE/SERVICE:PORT`` with the Service port's name."""
        assert self.dst.service is not None, f"{self.dst.name} has no Service to name"
        return f"{self.dst.namespace}/{self.dst.service}:{self.port_name}"


def pod_peer(pod: Pod, api_server: bool = False) -> Peer:
    """A resolved pod as a link end, named as its NetworkPolicy and stand-in are."""
    stem = pod.component if pod.name == HEARTH_POD else f"{pod.component}-{pod.name}"
    return Peer(stem, pod.namespace, tuple(sorted(pod.labels.items())), pod.component, pod.service, api_server)


def dump_job_peer(component: Component) -> Peer:
    """The pods of a component's dump CronJob as a link source."""
    return Peer(
        f"{component.name}-dump", component.namespace, tuple(sorted(dump_job_labels(component).items())), component.name
    )


def velero_peers(resolved: Resolved) -> list[tuple[Pod, Peer]]:
    """Velero's pods with their peers: no pod policy of theirs exists, so their link policies reach the API server."""
    return [(pod, pod_peer(pod, api_server=pod.api_access)) for pod in velero_pods(resolved)]


def _link(src: Peer, pod: Pod, port: Port) -> Link:
    return Link(src, pod_peer(pod), port.port, port.protocol, port.name)


def _to(src: Peer, endpoints: list[Endpoint | None]) -> list[Link]:
    return [_link(src, e.pod, e.port) for e in endpoints if e is not None]


def backup_links(resolved: Resolved) -> list[Link]:
    """Every connection of dump jobs and Velero, with the pods at both ends and what states it."""
    links: list[Link] = []
    s3, vault = provider_endpoint(resolved, "s3"), provider_endpoint(resolved, "secrets")
    for _, component in sorted(resolved.catalog.components.items()):
        dump = dump_target(resolved, component)
        if dump is not None:
            job = dump_job_peer(component)
            links += [_link(job, dump.pod, dump.port), *_to(job, [s3, vault])]
    if s3 is not None:
        peers = velero_peers(resolved)
        for _, peer in peers:
            links += _to(peer, [s3, vault])
        scraper = provider_endpoint(resolved, "metrics")
        if scraper is not None:
            server, server_peer = peers[0]
            (port,) = server.ports
            links.append(Link(pod_peer(scraper.pod), server_peer, port.port, port.protocol, port.name, SCRAPES))
    return links


def connects_to(links: list[Link], src: Peer) -> str:
    """The ``hearth.dev/connects-to`` value of a link source: every link it states itself, sorted."""
    return ",".join(sorted({lk.target for lk in links if lk.src == src and lk.stated_by == CONNECTS}))


def _peer_selector(peer: Peer) -> dict[str, Any]:
    return {
        "namespaceSelector": {"matchLabels": {NS_LABEL: peer.namespace}},
        "podSelector": {"matchLabels": dict(peer.labels)},
    }


def _grouped(links: list[Link], by: str) -> list[dict[str, Any]]:
    groups: dict[Peer, set[tuple[str, int]]] = defaultdict(set)
    for link in links:
        groups[getattr(link, by)].add((link.protocol, link.port))
    key = "to" if by == "dst" else "from"
    return [
        {key: [_peer_selector(peer)], "ports": [{"protocol": p, "port": n} for p, n in sorted(groups[peer])]}
        for peer in sorted(groups, key=lambda p: (p.namespace, p.name))
    ]


def _policy(name: str, peer: Peer, direction: str, rules: list[dict[str, Any]]) -> Manifest:
    labels = {**POLICY_LABELS, COMPONENT: peer.chart}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, peer.namespace, labels),
        "spec": {
            "podSelector": {"matchLabels": dict(peer.labels)},
            "policyTypes": [direction],
            direction.lower(): rules,
        },
    }


def render_backup_policies(resolved: Resolved, chart_component: str) -> list[Manifest]:
    """The NetworkPolicies for backup links whose source or destination belongs to ``chart_component``'s chart."""
    links = backup_links(resolved)
    out: list[Manifest] = []
    sources = sorted({lk.src for lk in links if lk.src.chart == chart_component}, key=lambda p: p.name)
    for src in sources:
        rules = _grouped([lk for lk in links if lk.src == src], "dst")
        if src.api_server:
            cidrs = [{"ipBlock": {"cidr": f"{ip}/32"}} for ip in resolved.control_plane_ips()]
            rules.append({"to": cidrs, "ports": [{"protocol": "TCP", "port": API_SERVER_PORT}]})
        out.append(_policy(f"{src.name}-backup-egress", src, "Egress", rules))
    targets = sorted({lk.dst for lk in links if lk.dst.chart == chart_component}, key=lambda p: p.name)
    for dst in targets:
        rules = _grouped([lk for lk in links if lk.dst == dst], "src")
        out.append(_policy(f"{dst.name}-backup-ingress", dst, "Ingress", rules))
    return out
