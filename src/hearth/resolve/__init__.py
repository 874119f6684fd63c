"""Resolve a loaded catalog into the wiring the renderers share: pods, services, flows and grants.

Nothing here is special-cased per component: flows come from ``needs`` and the providers' capabilities
(``hearth.capabilities``), plus the platform-wide ones every pod gets (DNS, Traefik for web apps, Prometheus
for the metrics port of each scraped pod, the API server for webhooks). :func:`resolve` runs the steps in order;
each lives in the module named for what it derives:

- ``records``: the records (``Pod``, ``Flow``, ``ExternalFlow``, ``Grant``) and ``Resolved``, which holds them
- ``facts``: the catalog's placeholders filled in from the platform and the providers of each component's needs
- ``pods``: a component's pods and their standard labels
- ``endpoints``: where a capability or a port is served, and the address a consumer reaches it at
- ``needs``: the grants and flows a component's needs make
- ``sso``: each web app's login through the identity provider (OIDC client grant and back channel, LDAP)
- ``flows``: the platform-wide flows (routing, scraping, webhooks, reaches) and the egress outside the cluster
"""

from __future__ import annotations

from hearth.catalog.models import Catalog
from hearth.graph import DependencyGraph
from hearth.resolve.facts import with_platform_facts
from hearth.resolve.flows import dedupe, external_flows, platform_flows, reaches_flows
from hearth.resolve.needs import needs_wiring
from hearth.resolve.pods import component_pods
from hearth.resolve.records import Resolved
from hearth.resolve.sso import sso_wiring


def resolve(catalog: Catalog) -> Resolved:
    """Derive pods, flows and grants from a loaded catalog."""
    catalog = with_platform_facts(catalog)
    comps = catalog.components
    result = Resolved(catalog=catalog, graph=DependencyGraph.from_catalog(catalog))
    pods_by_component = {name: component_pods(c) for name, c in sorted(comps.items())}
    for pods in pods_by_component.values():
        for pod in pods:
            result.pods[pod.key] = pod

    def providers_of(capability: str) -> list[str]:
        return sorted(n for n, c in comps.items() if capability in c.capabilities())

    result.grants, result.flows = needs_wiring(catalog, pods_by_component)
    grants, flows = sso_wiring(result, pods_by_component)
    result.grants += grants
    result.flows += flows
    result.flows += platform_flows(result, pods_by_component, providers_of)
    result.flows += reaches_flows(result, pods_by_component, providers_of)
    from hearth.dumps import dump_jobs  # dumps reads the pods resolved so far, from hearth.resolve.records

    for pod, flows in dump_jobs(result):
        result.pods[pod.key] = pod
        result.flows += flows
    result.flows = dedupe(result.flows)
    result.external = external_flows(result, pods_by_component)
    return result
