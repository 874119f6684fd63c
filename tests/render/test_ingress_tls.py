"""Rules of ingress.py and tls.py: routes, forward-auth, certificates and the Vault PKI issuer."""

from __future__ import annotations

import json

from hearth.render.ingress import AUTH_RESPONSE_HEADERS, render_ingress
from hearth.render.model import Manifest, RenderedPlatform
from hearth.render.tls import ISSUER_NAME, VAULT_ROLE, render_certificate
from hearth.resolve.records import Resolved


def _kinds(platform: RenderedPlatform, kind: str) -> dict[str, list[Manifest]]:
    found: dict[str, list[Manifest]] = {}
    for name, chart in platform.charts.items():
        hits = [m for m in chart.manifests if m["kind"] == kind]
        if hits:
            found[name] = hits
    return found


def test_an_ingress_route_for_exactly_the_web_components(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Each component with ``web`` gets one IngressRoute in its own chart; others get none."""
    resolved, platform = resolved_cases["web"], rendered_cases["web"]
    web = {n for n, c in resolved.catalog.components.items() if c.web is not None}
    routes = _kinds(platform, "IngressRoute")
    assert set(routes) == web == {"dashboard", "idp", "wiki"}
    for name, (route,) in routes.items():
        component = resolved.component(name)
        assert route["apiVersion"] == "traefik.io/v1alpha1"
        assert route["metadata"]["namespace"] == component.namespace
        assert route["spec"]["entryPoints"] == ["websecure"]
        (rule,) = route["spec"]["routes"]
        assert component.web is not None
        assert rule["match"] == f"Host(`{component.web.host}.web.home.arpa`)"
        (service,) = rule["services"]
        assert service["name"] == component.name and service["port"] == component.ports[0].port
        assert route["spec"]["tls"] == {"secretName": f"{name}-tls"}


def test_forward_auth_middleware_exactly_for_forward_auth_apps(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """A Middleware in the app's namespace, pointing at the IdP's embedded outpost, only where sso is forward-auth."""
    resolved, platform = resolved_cases["web"], rendered_cases["web"]
    middlewares = _kinds(platform, "Middleware")
    forward = {n for n, c in resolved.catalog.components.items() if c.web and c.web.sso == "forward-auth"}
    assert set(middlewares) == forward == {"dashboard"}
    (middleware,) = middlewares["dashboard"]
    auth = middleware["spec"]["forwardAuth"]
    assert auth["address"] == "http://idp.auth.svc.cluster.local:9000/outpost.goauthentik.io/auth/traefik"
    assert auth["trustForwardHeader"] is True
    assert auth["authResponseHeaders"] == AUTH_RESPONSE_HEADERS
    assert middleware["metadata"]["namespace"] == "apps"
    (route,) = _kinds(platform, "IngressRoute")["dashboard"]
    assert route["spec"]["routes"][0]["middlewares"] == [{"name": "dashboard-forward-auth", "namespace": "apps"}]
    for name in ("idp", "wiki"):
        (other,) = _kinds(platform, "IngressRoute")[name]
        assert "middlewares" not in other["spec"]["routes"][0]


def test_upstream_web_component_routes_to_the_service_of_its_web_pod(resolved_cases: dict[str, Resolved]) -> None:
    """For an upstream chart, the route names ``Pod.service`` of the pod carrying ``web.port``."""
    resolved = resolved_cases["web"]
    vault = resolved.component("vault").model_copy(
        update={"web": resolved.component("idp").web.model_copy(update={"host": "vault", "port": "http"})}  # type: ignore[union-attr]
    )
    (route,) = render_ingress(resolved, vault)
    assert route["spec"]["routes"][0]["services"] == [
        {"kind": "Service", "name": "vault", "namespace": "service", "port": 8200}
    ]


def test_no_route_certificate_or_monitor_without_providers(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """Without an ingress, certificates, metrics or s3 provider, nothing routes, issues, scrapes or schedules."""
    (chart,) = rendered_cases["bare"].charts.values()
    kinds = {m["kind"] for m in chart.manifests}
    assert not kinds & {"IngressRoute", "Middleware", "Certificate", "ServiceMonitor", "Schedule", "CronJob"}
    assert [t["metadata"]["name"] for t in chart.tests] == ["app-test"]
    # build/ansible (it provisions the nodes) and claims.yaml (the audit reads it, empty when nothing is stated)
    # are rendered for every platform; no other file is.
    assert [f for f in rendered_cases["bare"].files if not f.startswith("ansible/")] == ["claims.yaml"]


def test_a_certificate_for_each_web_host_from_the_cluster_issuer(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """The Certificate covers the app's host, fills the route's secret and names the Vault ClusterIssuer."""
    certificates = _kinds(rendered_cases["web"], "Certificate")
    assert set(certificates) == {"dashboard", "idp", "wiki"}
    (wiki,) = certificates["wiki"]
    assert wiki["spec"]["dnsNames"] == ["wiki.web.home.arpa"]
    assert wiki["spec"]["secretName"] == "wiki-tls"
    assert wiki["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": ISSUER_NAME}
    assert render_certificate(resolved_cases["web"], resolved_cases["web"].component("vault")) == []


def test_cluster_issuer_in_the_certificates_provider_chart_with_secretless_vault_auth(
    rendered_cases: dict[str, RenderedPlatform],
) -> None:
    """Vault PKI ClusterIssuer, with serviceAccountRef and the token-request Role, in cert-manager's companion."""
    platform = rendered_cases["web"]
    issuers = _kinds(platform, "ClusterIssuer")
    assert set(issuers) == {"cert-manager"}
    (issuer,) = issuers["cert-manager"]
    vault = issuer["spec"]["vault"]
    assert vault["server"] == "http://vault.service.svc:8200"
    assert vault["path"] == "pki/sign/web"
    assert vault["auth"]["kubernetes"] == {
        "role": VAULT_ROLE,
        "mountPath": "/v1/auth/kubernetes",
        "serviceAccountRef": {"name": "vault-issuer"},
    }
    chart = platform.charts["cert-manager"].manifests
    (role,) = [m for m in chart if m["kind"] == "Role" and m["metadata"]["name"] == "vault-issuer"]
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["serviceaccounts/token"],
            "resourceNames": ["vault-issuer"],
            "verbs": ["create"],
        }
    ]
    (binding,) = [m for m in chart if m["kind"] == "RoleBinding" and m["metadata"]["name"] == "vault-issuer"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "cert-manager", "namespace": "service"}]


def test_vault_side_of_the_issuer(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """The policy allows signing on pki/sign/<platform> only; the role is bound to the issuer's account and audience."""
    files = rendered_cases["web"].files
    policy = files[f"vault/policies/{VAULT_ROLE}.hcl"]
    assert 'path "pki/sign/web"' in policy and policy.count("path ") == 1
    role = json.loads(files[f"vault/roles/{VAULT_ROLE}.json"])
    assert role["bound_service_account_names"] == ["vault-issuer"]
    assert role["bound_service_account_namespaces"] == ["service"]
    assert role["audience"] == f"vault://{ISSUER_NAME}"
    assert role["token_policies"] == [VAULT_ROLE]
