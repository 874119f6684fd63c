"""The intent annotations a pod carries (docs/manifest-contract.md), for hearth workloads and stand-ins alike.

They state what the pod is meant to do, derived from the catalog's capabilities, so that the auditor can read
intent back from the manifests and measure the NetworkPolicies, monitors and backups against it.
"""

from __future__ import annotations

from hearth.capabilities import CAPABILITIES
from hearth.contract import BACKUP_EXEMPT, COMPONENT, CONNECTS_TO, MONITORED_BY, ROLE, WEBHOOK_PORT
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Pod, Resolved

__all__ = ["COMPONENT", "CONNECTS_TO", "intent_annotations"]


def connects_to(resolved: Resolved, pod: Pod) -> str:
    """The in-cluster Services this pod means to open connections to, as ``ns/service:port``, comma-separated."""
    targets = set()
    for flow in resolved.egress_of(pod.key):
        dst = resolved.pods[flow.dst]
        targets.add(f"{dst.namespace}/{dst.service}:{flow.port.name}")
    return ",".join(sorted(targets))


def roles(resolved: Resolved, pod: Pod) -> list[str]:
    """The contract roles of a pod: it serves ingress or scrapes metrics for the platform, or serves a webhook."""
    found = []
    for capability, spec in sorted(CAPABILITIES.items()):
        endpoint = provider_endpoint(resolved, capability) if spec.contract_role else None
        if spec.contract_role and endpoint is not None and endpoint.pod.key == pod.key:
            found.append(spec.contract_role)
    if webhook_ports(resolved, pod):
        found.append("webhook")
    return found


def webhook_ports(resolved: Resolved, pod: Pod) -> list[str]:
    """Names of the pod's ports the API server calls as admission webhooks."""
    component = resolved.component(pod.component)
    names = {p.name for p in pod.ports}
    return sorted(w.port for w in component.webhooks if w.pod in (None, pod.name) and w.port in names)


def backup_exemption(resolved: Resolved, pod: Pod) -> str | None:
    """Why a component with storage has no backup of its own (method none or replication), if it says so."""
    component = resolved.component(pod.component)
    backup = component.backup
    if component.storage is None or backup is None or backup.method not in ("none", "replication"):
        return None
    return f"{backup.method}: {backup.reason}"


def intent_annotations(resolved: Resolved, pod: Pod) -> dict[str, str]:
    """Every intent annotation of one pod (only those that apply)."""
    out = {COMPONENT: pod.component}
    targets = connects_to(resolved, pod)
    if targets:
        out[CONNECTS_TO] = targets
    pod_roles = roles(resolved, pod)
    if pod_roles:
        out[ROLE] = ",".join(pod_roles)
    ports = webhook_ports(resolved, pod)
    if ports:
        out[WEBHOOK_PORT] = ",".join(ports)
    if pod.metrics is not None and pod.metrics.scraped_by == "chart":
        out[MONITORED_BY] = "chart"
    exemption = backup_exemption(resolved, pod)
    if exemption:
        out[BACKUP_EXEMPT] = " ".join(exemption.split())
    return out
