"""The bootstrap CA: TLS for a listener that must serve before the platform's own PKI can sign (Vault's).

Vault's PKI signs every web app's certificate through cert-manager's Vault ClusterIssuer, but it cannot sign
Vault's own listener: that must serve TLS from Vault's first start, before ``hearth bootstrap`` has initialized,
unsealed and configured it. So a component with ``listener_tls`` gets its certificate from cert-manager's own
``selfSigned`` -> ``ca`` issuer chain (cert-manager.io/docs/configuration/selfsigned, "Bootstrapping CA
Issuers"), rendered into a chart of its own, ``<component>-bootstrap-tls``, which is released after cert-manager
and before the component's own chart (``hearth.render.package.helmfile.helmfile_releases``):

* ClusterIssuer ``hearth-bootstrap-selfsigned`` (``selfSigned``) signs the CA certificate ``hearth-bootstrap-ca``
  (``isCA``), whose Secret lives in cert-manager's namespace, the ClusterIssuers' cluster resource namespace;
* ClusterIssuer ``hearth-bootstrap-ca`` (``ca``) signs the listener's certificate into ``listener_tls.secret``,
  for every Service of the component's pods (short, namespaced and cluster names), the stated ``names`` (raft
  peers) and 127.0.0.1 (the chart's own CLI and probes talk to the local listener);
* every namespace where a pod talks to the component (its consumers, cert-manager's Vault ClusterIssuer, the
  component itself) gets ``<component>-ca``, a Certificate of the same CA whose Secret carries the CA as
  ``ca.crt``: what the Vault agents (``vault.hashicorp.com/tls-secret``), the ClusterIssuer
  (``caBundleSecretRef``), the SecretStores (``caProvider``), Traefik and Prometheus verify the listener with.
  cert-manager has no trust-bundle distribution of its own (trust-manager would be a component the seed does not
  list), so the CA travels as the ``ca.crt`` of a small certificate of its own in each namespace.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.contract import HEARTH_LABELS
from hearth.render.defaults import early_chart, metadata
from hearth.render.model import ChartRender, Manifest
from hearth.resolve.endpoints import providers
from hearth.resolve.records import Resolved

CERT_MANAGER_API = "cert-manager.io/v1"
SELF_SIGNED = "hearth-bootstrap-selfsigned"
CA_NAME = "hearth-bootstrap-ca"
CA_KEY = "ca.crt"
CA_DURATION = "87600h0m0s"  # 10 years: the root every listener and trust copy chains to
LEAF_DURATION = "2160h0m0s"  # 90 days, renewed 15 days before (as the web apps' certificates)
LEAF_RENEW_BEFORE = "360h0m0s"
LOOPBACK = "127.0.0.1"


def trust_secret(component: Component) -> str:
    """The Secret in each consumer namespace whose ``ca.crt`` is the bootstrap CA: ``<component>-ca``."""
    return f"{component.name}-ca"


def serves_tls(component: Component, port: str) -> bool:
    """Whether the component's listener serves TLS from the bootstrap CA on the named port."""
    return component.listener_tls is not None and port in component.listener_tls.ports


def listener_names(resolved: Resolved, component: Component) -> list[str]:
    """Every DNS name the listener's certificate carries: each pod Service's names, then the stated ones."""
    names: list[str] = []
    for pod in resolved.pods_of(component.name):
        svc, ns = pod.service, pod.namespace
        names += [svc, f"{svc}.{ns}", f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.cluster.local"]
    assert component.listener_tls is not None
    for name in component.listener_tls.names:
        ns = component.namespace
        names += [name, f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local"]
    return list(dict.fromkeys(names))


def trust_namespaces(resolved: Resolved, component: Component) -> list[str]:
    """Namespaces whose pods verify the component's listener: its own, its consumers', cert-manager's."""
    comps = resolved.catalog.components
    found = {component.namespace}
    found |= {c.namespace for c in comps.values() if component.name in c.needs}
    found |= {c.namespace for c in providers(resolved, "certificates")}
    return sorted(found)


def _certificate(name: str, namespace: str, spec: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": CERT_MANAGER_API,
        "kind": "Certificate",
        "metadata": metadata(name, namespace, dict(HEARTH_LABELS)),
        "spec": spec,
    }


def _issuer(name: str, spec: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": CERT_MANAGER_API,
        "kind": "ClusterIssuer",
        "metadata": metadata(name, None, dict(HEARTH_LABELS)),
        "spec": spec,
    }


def _by_ca(secret: str, common_name: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "secretName": secret,
        "commonName": common_name,
        **extra,
        "duration": LEAF_DURATION,
        "renewBefore": LEAF_RENEW_BEFORE,
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": CA_NAME},
    }


def bootstrap_tls_objects(resolved: Resolved, component: Component) -> list[Manifest]:
    """The CA chain, the listener's certificate and the per-namespace trust copies (module docstring)."""
    tls = component.listener_tls
    issuers = providers(resolved, "certificates")
    if tls is None or not issuers:
        return []
    names = listener_names(resolved, component)
    ca_spec = {
        "isCA": True,
        "commonName": f"{resolved.catalog.platform.name} bootstrap CA",
        "secretName": CA_NAME,
        "duration": CA_DURATION,
        "privateKey": {"algorithm": "ECDSA", "size": 256},
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": SELF_SIGNED},
    }
    listener = _by_ca(
        tls.secret,
        names[0] if names else component.name,
        {
            "dnsNames": names,
            "ipAddresses": [LOOPBACK],
            "usages": ["server auth", "client auth", "digital signature", "key encipherment"],
        },
    )
    out: list[Manifest] = [
        _issuer(SELF_SIGNED, {"selfSigned": {}}),
        _certificate(CA_NAME, issuers[0].namespace, ca_spec),
        _issuer(CA_NAME, {"ca": {"secretName": CA_NAME}}),
        _certificate(tls.secret, component.namespace, listener),
    ]
    for namespace in trust_namespaces(resolved, component):
        trust = _by_ca(
            trust_secret(component),
            f"{trust_secret(component)}.{namespace}",
            {"usages": ["digital signature"]},
        )
        out.append(_certificate(trust_secret(component), namespace, trust))
    return out


def bootstrap_chart_name(component: Component) -> str:
    """``<component>-bootstrap-tls``: the chart released between cert-manager and the component."""
    return f"{component.name}-bootstrap-tls"


def render_bootstrap_tls(resolved: Resolved, component: Component) -> ChartRender | None:
    """The component's bootstrap TLS chart; None without ``listener_tls`` or a certificates provider."""
    objects = bootstrap_tls_objects(resolved, component)
    if not objects:
        return None
    return early_chart(
        component,
        bootstrap_chart_name(component),
        "listener certificate from the bootstrap CA, before it starts",
        objects,
    )
