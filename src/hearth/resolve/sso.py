"""The wiring of each web app's login through the platform's identity provider (OIDC clients, the LDAP outpost),
made from ``web.sso`` without a need.
"""

from __future__ import annotations

from hearth.capabilities import CAPABILITIES, SSO_MODE_GRANT
from hearth.catalog.models import Component
from hearth.resolve.endpoints import pod_carrying, served_pod
from hearth.resolve.needs import grant_name
from hearth.resolve.records import Flow, Grant, Pod, Resolved


def sso_wiring(result: Resolved, pods_by_component: dict[str, list[Pod]]) -> tuple[list[Grant], list[Flow]]:
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
                grants.append(Grant(kind, idp.name, name, capability, grant_name(name)))
                have.add((kind, name))
            found = served_pod(idp, pods_by_component[idp.name], capability)
            client = _sso_client_pod(consumer, pods_by_component[name])
            if found is not None and client is not None:
                reason = f"logs in through {idp.name} ({capability})"
                flows.append(Flow(client.key, found[0].key, found[1], reason))
    flows += _ldap_flows(result, idp, pods_by_component)
    return grants, flows


def _ldap_flows(result: Resolved, idp: Component, pods_by_component: dict[str, list[Pod]]) -> list[Flow]:
    """Each ``web.sso: ldap`` app's connection to the pod serving the provider's ``ldap`` capability (its LDAP
    outpost), on every port of that pod (LDAP and LDAPS), without a need: binding is wiring, not deploy order."""
    found = served_pod(idp, pods_by_component[idp.name], "ldap") if "ldap" in idp.capabilities() else None
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
    found = pod_carrying(pods, web.port)
    return found[0] if found is not None else None
