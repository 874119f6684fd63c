"""The rules that read intent from the manifests: which flows the build means, and why.

The rules themselves are listed in :mod:`hearth.verify.zero_trust`. Each adds flows to an :class:`Intent` with the
reason it means them, and records as :class:`Unresolved` what points nowhere (an unknown Service or port).
"""

from __future__ import annotations

from typing import Any

from hearth.verify.build.annotations import VAULT_INJECT, VAULT_SERVICE, WEBHOOK_PORT
from hearth.verify.build.fields import api_version, name_of, namespace_of, pod_metrics_port
from hearth.verify.build.model import Build, ServiceInfo
from hearth.verify.build.pod_template import PodTemplate, port_number
from hearth.verify.zero_trust.flows import Flow, Intent, Unresolved
from hearth.verify.zero_trust.routes import address_service, routes

__all__ = ["intended_flows"]

_MONITORING_GROUP = "monitoring.coreos.com/"
_WEBHOOK_CONFIGS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def _service_targets(
    build: Build, intent: Intent, where: str, statement: str, service: ServiceInfo | None, port_ref: str | int
) -> list[tuple[PodTemplate, int, str]]:
    """Pods and container ports behind a Service port; records an Unresolved entry when there are none."""
    if service is None:
        intent.unresolved.append(Unresolved(where, statement, "no such Service in manifests/ or cluster/"))
        return []
    port = service.port(port_ref)
    if port is None:
        intent.unresolved.append(Unresolved(where, statement, f"Service {service.key} has no port {port_ref!r}"))
        return []
    targets = build.target_ports(service, port)
    if not targets:
        problem = (
            f"Service {service.key} selects no pod"
            if not build.service_pods(service)
            else f"no selected pod declares targetPort {port.target!r}"
        )
        intent.unresolved.append(Unresolved(where, statement, problem))
    return targets


def _connects_to(build: Build, intent: Intent) -> None:
    for pod in build.pods:
        for entry in pod.connects_to:
            ref, colon, port = entry.rpartition(":")
            namespace, slash, name = ref.partition("/")
            if not (colon and slash and namespace and name and port):
                intent.unresolved.append(Unresolved(pod.endpoint, entry, "connects-to entry is not NS/SERVICE:PORT"))
                continue
            service = build.services_by_key.get(f"{namespace}/{name}")
            for dst, number, protocol in _service_targets(build, intent, pod.endpoint, entry, service, port):
                intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), f"connects-to {entry}")


def _dns(build: Build, intent: Intent) -> None:
    service = build.services_by_key.get("kube-system/kube-dns")
    if service is None:
        intent.notes.append("no Service kube-system/kube-dns in cluster/: DNS intent not measured")
        return
    targets = [t for p in service.ports if p.port == 53 for t in build.target_ports(service, p)]
    if not targets:
        intent.unresolved.append(Unresolved("kube-system/kube-dns", "DNS", "kube-dns selects no pod serving 53"))
    for pod in build.pods:
        for dst, number, protocol in targets:
            intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), "DNS")


def _with_role(build: Build, role: str) -> list[PodTemplate]:
    return [pod for pod in build.pods if role in pod.roles]


def _routing(build: Build, intent: Intent) -> None:
    routers = _with_role(build, "ingress-controller")
    targets = routes(build)
    if targets and not routers:
        intent.notes.append(
            f"{len(targets)} IngressRoute/Middleware/Ingress targets, but no pod has hearth.dev/role: "
            "ingress-controller: routing intent is only what the router's connects-to states"
        )
    for where, statement, service, ref in targets:
        for dst, number, protocol in _service_targets(build, intent, where, statement, service, ref):
            for router in routers:
                intent.add(Flow(router.endpoint, dst.endpoint, number, protocol), statement)


def _namespaces_of(selector: dict[str, Any] | None, own: str) -> set[str] | None:
    """Namespaces a monitor's ``namespaceSelector`` covers (None: all)."""
    selector = selector or {}
    if selector.get("any"):
        return None
    names = selector.get("matchNames")
    return {str(n) for n in names} if names else {own}


def _scraping(build: Build, intent: Intent) -> None:
    scrapers = _with_role(build, "metrics-scraper")
    monitors = [d for d in build.documents if api_version(d.obj).startswith(_MONITORING_GROUP)]
    targets: list[tuple[str, PodTemplate, int, str]] = []
    for doc in monitors:
        namespace, name = namespace_of(doc.obj), name_of(doc.obj)
        spec = doc.obj.get("spec") or {}
        namespaces = _namespaces_of(spec.get("namespaceSelector"), namespace)
        where = f"{doc.kind} {namespace}/{name}"
        if doc.kind == "ServiceMonitor":
            services = build.service_labels.select_among(namespaces, spec.get("selector"))
            if not services:
                intent.unresolved.append(Unresolved(f"{namespace}/{name}", where, "selects no Service"))
            for endpoint in spec.get("endpoints") or []:
                endpoint = endpoint or {}
                for service in services:
                    if endpoint.get("port") is not None:
                        for dst, number, protocol in _service_targets(
                            build,
                            intent,
                            f"{namespace}/{name}",
                            f"{where} port {endpoint['port']}",
                            service,
                            str(endpoint["port"]),
                        ):
                            targets.append((where, dst, number, protocol))
                    elif endpoint.get("targetPort") is not None:
                        targets += _pod_port_targets(
                            build, intent, where, build.service_pods(service), endpoint["targetPort"]
                        )
        elif doc.kind == "PodMonitor":
            pods = build.pod_labels.select_among(namespaces, spec.get("selector"))
            for endpoint in spec.get("podMetricsEndpoints") or []:
                endpoint = endpoint or {}
                ref = pod_metrics_port(endpoint)
                if ref is not None:
                    targets += _pod_port_targets(build, intent, where, pods, ref)
    if targets and not scrapers:
        intent.notes.append(
            f"{len(monitors)} ServiceMonitors/PodMonitors, but no pod has hearth.dev/role: metrics-scraper: "
            "scraping intent is only what the scraper's connects-to states"
        )
    for where, dst, number, protocol in targets:
        for scraper in scrapers:
            intent.add(Flow(scraper.endpoint, dst.endpoint, number, protocol), where)


def _pod_port_targets(
    build: Build, intent: Intent, where: str, pods: list[PodTemplate], ref: object
) -> list[tuple[str, PodTemplate, int, str]]:
    """Pods' container ports a reference names: a number (declared or not) or a port name each pod declares."""
    out = []
    number = port_number(ref)
    for pod in pods:
        declared = pod.declared_port(ref)
        if number is not None:
            out.append((where, pod, number, declared.protocol if declared else "TCP"))
        elif declared is None:
            intent.unresolved.append(Unresolved(pod.endpoint, f"{where} port {ref}", "pod declares no such port"))
        else:
            out.append((where, pod, declared.number, declared.protocol))
    return out


def _vault(build: Build, intent: Intent) -> None:
    without = []
    for pod in build.pods:
        if pod.annotations.get(VAULT_INJECT, "").lower() != "true":
            continue
        address = pod.annotations.get(VAULT_SERVICE)
        if address is None:
            without.append(pod.endpoint)
            continue
        service, port = address_service(build, address, pod.namespace)
        statement = f"{VAULT_SERVICE}: {address}"
        for dst, number, protocol in _service_targets(build, intent, pod.endpoint, statement, service, port or ""):
            intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), "Vault Agent")
    if without:
        intent.notes.append(
            f"{len(without)} pods use the Vault Agent injector without {VAULT_SERVICE}: their Vault connection is "
            "only what their connects-to states"
        )


def _webhooks(build: Build, intent: Intent) -> None:
    sources = build.control_plane_ips
    calls: list[tuple[str, PodTemplate, int, str]] = []
    for doc in build.documents:
        if doc.kind not in _WEBHOOK_CONFIGS:
            continue
        name = name_of(doc.obj)
        for hook in doc.obj.get("webhooks") or []:
            service = ((hook or {}).get("clientConfig") or {}).get("service")
            if not service:
                continue
            key = f"{service.get('namespace', 'default')}/{service.get('name')}"
            statement = f"{doc.kind} {name} -> {key}:{service.get('port', 443)}"
            for dst, number, protocol in _service_targets(
                build, intent, name, statement, build.services_by_key.get(key), int(service.get("port", 443))
            ):
                calls.append((statement, dst, number, protocol))
    for pod in _with_role(build, "webhook"):
        refs = [r.strip() for r in pod.annotations.get(WEBHOOK_PORT, "").split(",") if r.strip()]
        if not refs:
            intent.unresolved.append(
                Unresolved(pod.endpoint, "hearth.dev/role: webhook", f"no {WEBHOOK_PORT} annotation names its port")
            )
        for ref in refs:
            calls += _pod_port_targets(build, intent, f"webhook {pod.endpoint}", [pod], ref)
    if calls and not sources:
        intent.notes.append("webhooks present, but no control-plane Node in cluster/nodes.yaml to call them from")
    for statement, dst, number, protocol in calls:
        for ip in sources:
            intent.add(Flow(ip, dst.endpoint, number, protocol), statement)


def intended_flows(build: Build) -> Intent:
    """Every flow the manifests mean, with the reasons, by the rules of :mod:`hearth.verify.zero_trust`."""
    intent = Intent()
    for rule in (_connects_to, _dns, _routing, _scraping, _vault, _webhooks):
        rule(build, intent)
    intent.unresolved = sorted(set(intent.unresolved))
    return intent
