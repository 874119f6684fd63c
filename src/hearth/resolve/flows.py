"""The flows a component gets from what it is rather than from its needs (routing, forward-auth, scraping, TCP
entrypoints, webhooks, its own pods, what a capability reaches) and its declared egress outside the cluster.
"""

from __future__ import annotations

from collections.abc import Callable

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Catalog, Port
from hearth.resolve.endpoints import pod_carrying, served_at, served_pod, tcp_entrypoint
from hearth.resolve.records import ExternalFlow, Flow, Pod, Resolved


def platform_flows(
    result: Resolved, pods_by_component: dict[str, list[Pod]], providers_of: Callable[[str], list[str]]
) -> list[Flow]:
    """Flows every component gets from what it is, not from its needs: routing, SSO, scraping, webhooks."""
    comps = result.catalog.components
    flows: list[Flow] = []

    def provider_pods(capability: str) -> list[tuple[Pod, Port]]:
        found = (served_pod(comps[n], pods_by_component[n], capability) for n in providers_of(capability))
        return [f for f in found if f is not None]

    routers, scrapers, idps = provider_pods("ingress"), provider_pods("metrics"), provider_pods("oidc")
    for name, component in sorted(comps.items()):
        pods = pods_by_component[name]
        web = pod_carrying(pods, component.web.port) if component.web else None
        if component.web is not None and web is not None:
            for router, _ in routers:
                flows.append(Flow(router.key, web[0].key, web[1], f"{router.component} routes {component.web.host}"))
                if component.web.sso == "forward-auth":
                    flows += [Flow(router.key, idp.key, port, f"forward-auth for {name}") for idp, port in idps]
        for scraped in pods:
            scrape_port = scraped.metrics.port if scraped.metrics else None
            for port in (p for p in scraped.ports if p.name == scrape_port):
                flows += [
                    Flow(s.key, scraped.key, port, f"{s.component} scrapes {scraped.qualified}") for s, _ in scrapers
                ]
        for port_name in component.public_tcp if routers else []:
            # The router's TCP entrypoint for this port (IngressRouteTCP) forwards to the component's pod: to the
            # port's proxied listener when proxy_protocol maps it (the router sends a PROXY header there).
            target = pod_carrying(pods, port_name)
            backend = pod_carrying(pods, component.proxy_protocol.get(port_name, port_name))
            if target is not None and backend is not None and tcp_entrypoint(result, target[1].port) is not None:
                flows += [
                    Flow(router.key, backend[0].key, backend[1], f"{router.component} routes TCP {port_name} to {name}")
                    for router, _ in routers
                ]
        for webhook in component.webhooks:
            target = pod_carrying([p for p in pods if webhook.pod in (None, p.name)], webhook.port)
            if target is not None:
                reason = "API server calls the admission webhook"
                flows.append(Flow(None, target[0].key, target[1], reason, src_ips=result.control_plane_ips()))
        by_pod = {p.name: p for p in pods}
        for chart_pod in component.install.pods:
            for peer in chart_pod.talks_to:
                src, dst = by_pod[chart_pod.name], by_pod[peer]
                flows += [Flow(src.key, dst.key, port, f"within {name}") for port in dst.ports]
    return flows


def reaches_flows(
    result: Resolved, pods_by_component: dict[str, list[Pod]], providers_of: Callable[[str], list[str]]
) -> list[Flow]:
    """Flows a capability implies without a need: a provider's pods reach every port its ``reaches`` serves."""
    comps = result.catalog.components
    flows: list[Flow] = []
    for capability, spec in sorted(CAPABILITIES.items()):
        if spec.reaches is None:
            continue
        targets = [
            (pod, port)
            for n in providers_of(spec.reaches)
            for provide in comps[n].provides
            if provide.capability == spec.reaches and provide.port is not None
            for pod, port in [served_at(comps[n], pods_by_component[n], provide.port, provide.pod)]
            if pod is not None
        ]
        for source in providers_of(capability):
            # The pods the provide names (Grafana for ``dashboards``), or every pod of the source.
            named = {p.pod for p in comps[source].provides if p.capability == capability}
            for pod in pods_by_component[source]:
                if None not in named and pod.name not in named:
                    continue
                flows += [
                    Flow(pod.key, dst.key, port, f"{source} ({capability}) reaches {dst.qualified}")
                    for dst, port in targets
                ]
    return flows


def outside_cluster(catalog: Catalog) -> tuple[str, ...]:
    """The ranges an ``internet`` egress excepts: pods, Services, the LAN and the tunnel are not the internet."""
    platform = catalog.platform
    nets = [platform.pod_cidr, platform.service_cidr, platform.lan_subnet, platform.gateway.wireguard_subnet]
    return tuple(str(n) for n in sorted(set(nets), key=lambda n: (int(n.network_address), n.prefixlen)))


def external_flows(result: Resolved, pods_by_component: dict[str, list[Pod]]) -> list[ExternalFlow]:
    """Each declared egress of a component, for each of its pods it names: where to, on which ports."""
    platform = result.catalog.platform
    flows: list[ExternalFlow] = []
    for name, component in sorted(result.catalog.components.items()):
        for egress in component.egress:
            excepts: tuple[str, ...] = ()
            if egress.to == "gateway":
                cidr = f"{platform.gateway.public_ip}/32"
            else:
                cidr, excepts = "0.0.0.0/0", outside_cluster(result.catalog)
            for pod in pods_by_component[name]:
                if egress.pod in (None, pod.name):
                    ports = tuple((p.protocol, p.port) for p in egress.ports)
                    flows.append(ExternalFlow(pod.key, egress.to, cidr, excepts, ports, egress.reason))
    return flows


def dedupe(flows: list[Flow]) -> list[Flow]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for flow in flows:
        key = (flow.src, flow.dst, flow.port.port, flow.port.protocol, flow.src_ips)
        if key not in seen:
            seen.add(key)
            out.append(flow)
    return out
