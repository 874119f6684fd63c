"""Resolve a loaded catalog into the wiring the renderers share: pods, services, flows and grants.

Nothing here is special-cased per component: flows come from ``needs`` and the providers' capabilities
(``hearth.capabilities``), plus the platform-wide ones every pod gets (DNS, Traefik for web apps, Prometheus
for the metrics port of each scraped pod, the API server for webhooks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address
from typing import Any

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Catalog, Component, Metrics, Port, Resources
from hearth.catalog.placeholders import substitute
from hearth.contract import INSTANCE, MANAGED_BY, NAME, PART_OF, VERSION
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


def _label_value(text: str) -> str:
    """``text`` as a valid label value (at most 63 of alphanumerics, '-', '_', '.', alphanumeric at both ends):
    a tag pinned by digest (``latest@sha256:f7ee...``) would otherwise make the API server refuse the object."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)


def standard_labels(component: Component) -> dict[str, str]:
    """Labels of a pod hearth renders; selectors use the first two only, so they never change on upgrade."""
    return {
        NAME: component.name,
        INSTANCE: component.name,
        PART_OF: "hearth",
        VERSION: _label_value(component.image.tag if component.image else component.version),
        MANAGED_BY: "hearth",
    }


def selector_labels(component: Component) -> dict[str, str]:
    """The labels a Service, PDB or NetworkPolicy selects a hearth-rendered pod by."""
    labels = standard_labels(component)
    return {k: labels[k] for k in (NAME, INSTANCE)}


def _pods(component: Component) -> list[Pod]:
    return _with_metrics(component, _declared_pods(component))


def _with_metrics(component: Component, pods: list[Pod]) -> list[Pod]:
    """Each pod with where it is scraped: its own ``metrics``, else the component's on the first pod carrying it."""
    own = {p.name: p.metrics for p in component.install.pods if p.metrics is not None}
    metrics = component.metrics
    scraped = next((p.name for p in pods if metrics is not None and any(x.name == metrics.port for x in p.ports)), None)
    return [replace(pod, metrics=own.get(pod.name) or (metrics if pod.name == scraped else None)) for pod in pods]


def _declared_pods(component: Component) -> list[Pod]:
    if component.install.method == "chart":
        by_name = {p.name: p for p in component.ports}
        result = []
        for index, chart_pod in enumerate(component.install.pods):
            default_service = component.service_name or component.name
            service = chart_pod.service or (default_service if index == 0 else f"{component.name}-{chart_pod.name}")
            result.append(
                Pod(
                    component.name,
                    chart_pod.name,
                    component.namespace,
                    dict(chart_pod.labels),
                    tuple(by_name[n] for n in chart_pod.ports),
                    service,
                    chart_pod.kind,
                    chart_pod.replicas,
                    chart_pod.resources,
                    upstream=True,
                    api_access=chart_pod.api_access,
                    service_ports=tuple(sorted(chart_pod.service_ports.items())),
                    connects_to_needs=chart_pod.uses_needs,
                )
            )
        return result
    if component.image is None:
        return []
    kind = "StatefulSet" if component.storage is not None else "Deployment"
    return [
        Pod(
            component.name,
            HEARTH_POD,
            component.namespace,
            selector_labels(component),
            tuple(component.ports),
            component.service_name or component.name,
            kind,
            component.replicas,
            component.resources,
            upstream=False,
            api_access=component.security.api_access,
        )
    ]


def _provider_pod(provider: Component, pods: list[Pod], capability: str) -> tuple[Pod, Port] | None:
    for provide in provider.provides:
        if provide.capability != capability or provide.port is None:
            continue
        port = next(p for p in provider.ports if p.name == provide.port)
        pod = next((p for p in pods if p.name == provide.pod), None) if provide.pod else None
        pod = pod or next((p for p in pods if port in p.ports), None)
        if pod is not None:
            return pod, port
    return None


def _pod_with_port(pods: list[Pod], port_name: str) -> tuple[Pod, Port] | None:
    for pod in pods:
        for port in pod.ports:
            if port.name == port_name:
                return pod, port
    return None


@dataclass(frozen=True)
class Endpoint:
    """Where a capability is served: the providing component, its pod and port."""

    component: Component
    pod: Pod
    port: Port

    @property
    def host(self) -> str:
        """The in-cluster DNS name of the pod's Service (``<service>.<namespace>.svc``)."""
        return f"{self.pod.service}.{self.pod.namespace}.svc"


def providers(resolved: Resolved, capability: str) -> list[Component]:
    """Components that provide ``capability``, by name."""
    return resolved.providers_of(capability)


def provider_endpoint(resolved: Resolved, capability: str) -> Endpoint | None:
    """The first provider of ``capability`` that serves it on a port, with the pod carrying that port."""
    for component in providers(resolved, capability):
        found = _provider_pod(component, resolved.pods_of(component.name), capability)
        if found is not None:
            return Endpoint(component, *found)
    return None


def tcp_entrypoint(resolved: Resolved, number: int) -> Endpoint | None:
    """The router entrypoint whose Service port is ``number``: where a raw TCP port published through the tunnel
    enters the cluster (an ``entrypoint`` provider's port, e.g. Traefik's ``smtp`` 8025 behind Service port 25)."""
    for component in providers(resolved, "entrypoint"):
        pods = resolved.pods_of(component.name)
        for provide in component.provides:
            if provide.capability != "entrypoint" or provide.port is None:
                continue
            pod, port = _served_at(component, pods, provide.port, provide.pod)
            if pod is not None and pod.service_port(port) == number:
                return Endpoint(component, pod, port)
    return None


def pod_with_port(resolved: Resolved, component: Component, port_name: str) -> tuple[Pod, Port] | None:
    """The component's pod that carries the named port, and the port."""
    return _pod_with_port(resolved.pods_of(component.name), port_name)


def with_platform_facts(catalog: Catalog) -> Catalog:
    """The catalog with every component's placeholders filled in: ``${domain}`` and ``${pod_cidr}`` from the
    platform, and ``${<capability>.host|port|database}`` from the providers of its needs (each fact stated once, used
    everywhere)."""
    comps = catalog.components
    pods = {name: _pods(c) for name, c in comps.items()}
    components = {}
    for name, component in comps.items():
        platform = {"domain": catalog.platform.domain, "pod_cidr": str(catalog.platform.pod_cidr)}
        values = {**platform, **_provider_facts(name, component, comps, pods)}
        dumped = component.model_dump(by_alias=True, exclude_defaults=True)
        filled = substitute(dumped, values)
        components[name] = component if filled == dumped else Component.model_validate(filled)
    return catalog.model_copy(update={"components": components})


def _provider_facts(
    name: str, component: Component, comps: dict[str, Component], pods: dict[str, list[Pod]]
) -> dict[str, str]:
    """``<capability>.host``, ``.port`` and ``.database`` for each capability the providers of ``name``'s needs
    serve on a port (the first need in the file wins when two provide one capability)."""
    facts: dict[str, str] = {}
    for need in component.needs:
        for capability in sorted(comps[need].capabilities()):
            found = _provider_pod(comps[need], pods[need], capability)
            if found is None or f"{capability}.host" in facts:
                continue
            host, port = service_address(*found)
            facts[f"{capability}.host"] = host
            facts[f"{capability}.port"] = str(port)
            facts[f"{capability}.database"] = grant_name(name)
    return facts


def service_address(pod: Pod, port: Port) -> tuple[str, int]:
    """Where a consumer reaches ``port`` of ``pod``: its Service's cluster DNS name and the Service's port."""
    return f"{pod.service}.{pod.namespace}.svc.cluster.local", pod.service_port(port)


def provider_address(resolved: Resolved, provider: str, capability: str) -> tuple[str, int] | None:
    """:func:`service_address` of the pod ``provider`` serves ``capability`` on; None when it serves it on none."""
    found = _provider_pod(resolved.component(provider), resolved.pods_of(provider), capability)
    return service_address(*found) if found is not None else None


def grant_name(consumer: str) -> str:
    """The name a provider gives a consumer's grant (database, user, bucket, vhost): its name, ``_`` for ``-``."""
    return consumer.replace("-", "_")


def resolve(catalog: Catalog) -> Resolved:
    """Derive pods, flows and grants from a loaded catalog."""
    catalog = with_platform_facts(catalog)
    comps = catalog.components
    result = Resolved(catalog=catalog, graph=DependencyGraph.from_catalog(catalog))
    pods_by_component = {name: _pods(c) for name, c in sorted(comps.items())}
    for pods in pods_by_component.values():
        for pod in pods:
            result.pods[pod.key] = pod

    def providers_of(capability: str) -> list[str]:
        return sorted(n for n, c in comps.items() if capability in c.capabilities())

    for name, consumer in sorted(comps.items()):
        for need in consumer.needs:
            provider = comps[need]
            for capability in sorted(provider.capabilities()):
                spec = CAPABILITIES[capability]
                wants_client = spec.grant != "sso-client" or (consumer.web is not None and consumer.web.sso == "oidc")
                if spec.grant is not None and spec.direction == "to-provider" and wants_client:
                    result.grants.append(Grant(spec.grant, need, name, capability, grant_name(name)))
                found = _provider_pod(provider, pods_by_component[need], capability)
                if found is None:
                    continue
                provider_pod, port = found
                if spec.direction == "to-provider":
                    for pod in (p for p in pods_by_component[name] if p.connects_to_needs):
                        result.flows.append(Flow(pod.key, provider_pod.key, port, f"needs {need} ({capability})"))
                # from-provider (the router reaching a web app) is made once, for every web app, in _platform_flows.

    grants, flows = _sso_wiring(result, pods_by_component)
    result.grants += grants
    result.flows += flows
    result.flows += _platform_flows(result, pods_by_component, providers_of)
    result.flows += _reaches_flows(result, pods_by_component, providers_of)
    from hearth.dumps import dump_jobs  # dumps reads the pods resolved so far, from this module's records

    for pod, flows in dump_jobs(result):
        result.pods[pod.key] = pod
        result.flows += flows
    result.flows = _dedupe(result.flows)
    result.external = _external_flows(result, pods_by_component)
    return result


SSO_MODE_GRANT = {"oidc": "sso-client"}
"""The grant an app's ``web.sso`` mode takes from the platform's identity provider (forward-auth and ldap need no
client of their own: the outposts serve them)."""


def _sso_wiring(result: Resolved, pods_by_component: dict[str, list[Pod]]) -> tuple[list[Grant], list[Flow]]:
    """The grant and flows of each web app's login through the platform's ``sso.provider``, without a need.

    Logging in through the identity provider is wiring, not deploy order (an app configured for OIDC starts without
    it and logs in once it is up), so an app's ``web.sso`` gets its client grant and its client pod's connection
    to the provider (the OIDC back channel: token, userinfo and keys) whether or not its ``needs`` name the
    provider. A grant its needs already made is not made twice.
    """
    comps = result.catalog.components
    idp = comps.get(result.catalog.platform.sso.provider)
    if idp is None:
        return [], []
    have = {(g.kind, g.consumer) for g in result.grants}
    grants: list[Grant] = []
    flows: list[Flow] = []
    for name, consumer in sorted(comps.items()):
        kind = SSO_MODE_GRANT.get(consumer.web.sso) if consumer.web is not None else None
        if kind is None or name == idp.name:
            continue
        for capability in sorted(c for c in idp.capabilities() if CAPABILITIES[c].grant == kind):
            if (kind, name) not in have:
                grants.append(Grant(kind, idp.name, name, capability, name.replace("-", "_")))
                have.add((kind, name))
            found = _provider_pod(idp, pods_by_component[idp.name], capability)
            client = _sso_client_pod(consumer, pods_by_component[name])
            if found is not None and client is not None:
                reason = f"logs in through {idp.name} ({capability})"
                flows.append(Flow(client.key, found[0].key, found[1], reason))
    flows += _ldap_flows(result, idp, pods_by_component)
    return grants, flows


def _ldap_flows(result: Resolved, idp: Component, pods_by_component: dict[str, list[Pod]]) -> list[Flow]:
    """Each ``web.sso: ldap`` app's connection to the pod serving the provider's ``ldap`` capability (its LDAP
    outpost), on every port of that pod (LDAP and LDAPS), without a need: binding is wiring, not deploy order."""
    found = _provider_pod(idp, pods_by_component[idp.name], "ldap") if "ldap" in idp.capabilities() else None
    if found is None:
        return []
    outpost = found[0]
    flows: list[Flow] = []
    for name, consumer in sorted(result.catalog.components.items()):
        if consumer.web is None or consumer.web.sso != "ldap" or name == idp.name:
            continue
        client = _sso_client_pod(consumer, pods_by_component[name])
        if client is not None:
            reason = f"binds to {idp.name}'s LDAP outpost (ldap)"
            flows += [Flow(client.key, outpost.key, port, reason) for port in outpost.ports]
    return flows


def _sso_client_pod(component: Component, pods: list[Pod]) -> Pod | None:
    """The pod that calls the identity provider: ``web.sso_pod``, else the one serving the web port."""
    web = component.web
    if web is None:
        return None
    if web.sso_pod is not None:
        return next((p for p in pods if p.name == web.sso_pod), None)
    found = _pod_with_port(pods, web.port)
    return found[0] if found is not None else None


def _reaches_flows(
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
            for pod, port in [_served_at(comps[n], pods_by_component[n], provide.port, provide.pod)]
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


def _served_at(component: Component, pods: list[Pod], port_name: str, pod_name: str | None) -> tuple[Pod | None, Port]:
    port = next(p for p in component.ports if p.name == port_name)
    pod = next((p for p in pods if p.name == pod_name), None) if pod_name else None
    return pod or next((p for p in pods if port in p.ports), None), port


def outside_cluster(catalog: Catalog) -> tuple[str, ...]:
    """The ranges an ``internet`` egress excepts: pods, Services, the LAN and the tunnel are not the internet."""
    platform = catalog.platform
    nets = [platform.pod_cidr, platform.service_cidr, platform.lan_subnet, platform.gateway.wireguard_subnet]
    return tuple(str(n) for n in sorted(set(nets), key=lambda n: (int(n.network_address), n.prefixlen)))


def _external_flows(result: Resolved, pods_by_component: dict[str, list[Pod]]) -> list[ExternalFlow]:
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


def _platform_flows(
    result: Resolved, pods_by_component: dict[str, list[Pod]], providers_of: Callable[[str], list[str]]
) -> list[Flow]:
    """Flows every component gets from what it is, not from its needs: routing, SSO, scraping, webhooks."""
    comps = result.catalog.components
    flows: list[Flow] = []

    def provider_pods(capability: str) -> list[tuple[Pod, Port]]:
        found = (_provider_pod(comps[n], pods_by_component[n], capability) for n in providers_of(capability))
        return [f for f in found if f is not None]

    routers, scrapers, idps = provider_pods("ingress"), provider_pods("metrics"), provider_pods("oidc")
    for name, component in sorted(comps.items()):
        pods = pods_by_component[name]
        web = _pod_with_port(pods, component.web.port) if component.web else None
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
            target = _pod_with_port(pods, port_name)
            backend = _pod_with_port(pods, component.proxy_protocol.get(port_name, port_name))
            if target is not None and backend is not None and tcp_entrypoint(result, target[1].port) is not None:
                flows += [
                    Flow(router.key, backend[0].key, backend[1], f"{router.component} routes TCP {port_name} to {name}")
                    for router, _ in routers
                ]
        for webhook in component.webhooks:
            target = _pod_with_port([p for p in pods if webhook.pod in (None, p.name)], webhook.port)
            if target is not None:
                reason = "API server calls the admission webhook"
                flows.append(Flow(None, target[0].key, target[1], reason, src_ips=result.control_plane_ips()))
        by_pod = {p.name: p for p in pods}
        for chart_pod in component.install.pods:
            for peer in chart_pod.talks_to:
                src, dst = by_pod[chart_pod.name], by_pod[peer]
                flows += [Flow(src.key, dst.key, port, f"within {name}") for port in dst.ports]
    return flows


def _dedupe(flows: list[Flow]) -> list[Flow]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for flow in flows:
        key = (flow.src, flow.dst, flow.port.port, flow.port.protocol, flow.src_ips)
        if key not in seen:
            seen.add(key)
            out.append(flow)
    return out
