"""The grants and flows each component's ``needs`` make: for each capability of a needed provider, the grant the
provider makes the consumer and the consumer's pods' connections to the pod serving it. A need in ``order_only``
makes neither: it orders the deploy, and its reason says why nothing flows.
"""

from __future__ import annotations

from hearth.capabilities import CAPABILITIES, takes_grant
from hearth.catalog.models import Catalog
from hearth.resolve.endpoints import served_pod
from hearth.resolve.records import Flow, Grant, Pod


def grant_name(consumer: str) -> str:
    """The name a provider gives a consumer's grant (database, user, bucket, vhost): its name, ``_`` for ``-``."""
    return consumer.replace("-", "_")


def needs_wiring(catalog: Catalog, pods_by_component: dict[str, list[Pod]]) -> tuple[list[Grant], list[Flow]]:
    """The grants and flows of every component's needs, in the order of the consumers' names and their needs."""
    comps = catalog.components
    grants: list[Grant] = []
    flows: list[Flow] = []
    for name, consumer in sorted(comps.items()):
        for need in consumer.needs:
            if need in consumer.order_only:
                continue  # orders the deploy only (its reason says why): no grant, no connection
            provider = comps[need]
            for capability in sorted(provider.capabilities()):
                spec = CAPABILITIES[capability]
                sso_mode = consumer.web.sso if consumer.web is not None else None
                if spec.grant is not None and spec.direction == "to-provider" and takes_grant(spec.grant, sso_mode):
                    grants.append(Grant(spec.grant, need, name, capability, grant_name(name)))
                found = served_pod(provider, pods_by_component[need], capability)
                if found is None:
                    continue
                provider_pod, port = found
                if spec.direction == "to-provider":
                    for pod in (p for p in pods_by_component[name] if p.connects_to_needs):
                        flows.append(Flow(pod.key, provider_pod.key, port, f"needs {need} ({capability})"))
                # from-provider (the router reaching a web app) is made once, for every web app, in
                # hearth.resolve.flows.platform_flows.
    return grants, flows
