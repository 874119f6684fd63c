"""TLS for web apps: a cert-manager Certificate per web component, issued by Vault's PKI through a ClusterIssuer.

The ClusterIssuer and what it needs (a ServiceAccount whose short-lived tokens cert-manager requests, and the
Role that lets cert-manager request them) go into the chart of the component that provides ``certificates``.
It authenticates with Vault's Kubernetes auth method without a stored token, the way cert-manager documents
since v1.12 ("Secretless Authentication with a Service Account", cert-manager/website
content/docs/configuration/vault.md): ``auth.kubernetes.serviceAccountRef`` names a ServiceAccount in the
cluster resource namespace (cert-manager's own namespace by default), and the Vault role is bound to that
ServiceAccount and to the audience ``vault://<cluster-issuer-name>``.

The Vault side is a policy and role of their own (``cert-manager-pki``), so they never collide with the role
``hearth.render.secrets`` gives the cert-manager component itself.
"""

from __future__ import annotations

import json

from hearth.catalog.models import Component
from hearth.contract import HEARTH_LABELS
from hearth.render.bootstrap_tls import CA_KEY, trust_secret
from hearth.render.defaults import metadata
from hearth.render.ingress import fqdn, tls_secret_name
from hearth.render.model import Manifest
from hearth.render.secrets import vault_url
from hearth.resolve.endpoints import provider_endpoint, providers
from hearth.resolve.pods import standard_labels
from hearth.resolve.records import Resolved

CERT_MANAGER_API = "cert-manager.io/v1"
ISSUER_NAME = "vault-pki"
ISSUER_ACCOUNT = "vault-issuer"
VAULT_ROLE = "cert-manager-pki"
VAULT_AUTH_MOUNT = "/v1/auth/kubernetes"
CERT_DURATION = "2160h0m0s"  # 90 days
CERT_RENEW_BEFORE = "360h0m0s"  # 15 days


def pki_sign_path(resolved: Resolved) -> str:
    """The Vault PKI endpoint the issuer signs with: ``pki/sign/<platform name>``."""
    return f"pki/sign/{resolved.catalog.platform.name}"


def render_certificate(resolved: Resolved, component: Component) -> list[Manifest]:
    """The Certificate for a web component's host; empty without ``web``, a certificates or an ingress provider."""
    host = fqdn(resolved, component)
    if host is None or not providers(resolved, "certificates") or not providers(resolved, "ingress"):
        return []
    return [
        {
            "apiVersion": CERT_MANAGER_API,
            "kind": "Certificate",
            "metadata": metadata(component.name, component.namespace, standard_labels(component)),
            "spec": {
                "secretName": tls_secret_name(component),
                "commonName": host,
                "dnsNames": [host],
                "duration": CERT_DURATION,
                "renewBefore": CERT_RENEW_BEFORE,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "usages": ["server auth", "digital signature", "key encipherment"],
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": ISSUER_NAME},
            },
        }
    ]


def render_cluster_issuer(resolved: Resolved, component: Component) -> list[Manifest]:
    """ClusterIssuer, its ServiceAccount and token-request RBAC, for the component providing ``certificates``.

    The RoleBinding's subject is the cert-manager controller's ServiceAccount, which the upstream chart names
    after its release (the component's name).
    """
    vault = provider_endpoint(resolved, "secrets")
    if "certificates" not in component.capabilities() or vault is None:
        return []
    ns = component.namespace
    labels = dict(HEARTH_LABELS)
    token_rule = {
        "apiGroups": [""],
        "resources": ["serviceaccounts/token"],
        "resourceNames": [ISSUER_ACCOUNT],
        "verbs": ["create"],
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(ISSUER_ACCOUNT, ns, labels),
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(ISSUER_ACCOUNT, ns, labels),
            "rules": [token_rule],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(ISSUER_ACCOUNT, ns, labels),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ISSUER_ACCOUNT},
            "subjects": [{"kind": "ServiceAccount", "name": component.name, "namespace": ns}],
        },
        {
            "apiVersion": CERT_MANAGER_API,
            "kind": "ClusterIssuer",
            "metadata": metadata(ISSUER_NAME, None, labels),
            "spec": {
                "vault": {
                    "server": vault_url(resolved),
                    **_ca_bundle(vault.component),
                    "path": pki_sign_path(resolved),
                    "auth": {
                        "kubernetes": {
                            "role": VAULT_ROLE,
                            "mountPath": VAULT_AUTH_MOUNT,
                            "serviceAccountRef": {"name": ISSUER_ACCOUNT},
                        }
                    },
                }
            },
        },
    ]


def _ca_bundle(vault: Component) -> dict[str, object]:
    """``caBundleSecretRef``: the bootstrap CA's copy in cert-manager's namespace (the cluster resource namespace a
    ClusterIssuer reads Secrets from), when Vault's listener serves TLS from it."""
    if vault.listener_tls is None:
        return {}
    return {"caBundleSecretRef": {"name": trust_secret(vault), "key": CA_KEY}}


def pki_policy(resolved: Resolved) -> str:
    """The Vault policy of the issuer's role: sign with the platform's PKI role, nothing else."""
    return (
        "# Vault policy for cert-manager's ClusterIssuer, rendered by hearth.\n"
        f'path "{pki_sign_path(resolved)}" {{\n'
        '  capabilities = ["create", "update"]\n'
        "}\n"
    )


def pki_role(resolved: Resolved) -> dict[str, object]:
    """The Kubernetes auth role the issuer logs in with: its ServiceAccount, audience and policy."""
    issuer = next(c for c in providers(resolved, "certificates"))
    return {
        "name": VAULT_ROLE,
        "bound_service_account_names": [ISSUER_ACCOUNT],
        "bound_service_account_namespaces": [issuer.namespace],
        "audience": f"vault://{ISSUER_NAME}",
        "token_policies": [VAULT_ROLE],
        "token_ttl": "1m",
    }


def render_pki_files(resolved: Resolved) -> dict[str, str]:
    """Vault policy and role files for the issuer; empty without both a certificates and a secrets provider."""
    if not providers(resolved, "certificates") or provider_endpoint(resolved, "secrets") is None:
        return {}
    return {
        f"vault/policies/{VAULT_ROLE}.hcl": pki_policy(resolved),
        f"vault/roles/{VAULT_ROLE}.json": json.dumps(pki_role(resolved), indent=2, sort_keys=True) + "\n",
    }
