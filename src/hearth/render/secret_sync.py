"""Synced Secrets for upstream charts that read only Kubernetes Secrets: the named exception to the seed's "no
Kubernetes Secrets for application credentials".

For every ``credentials`` entry of delivery ``secret`` the component's companion chart gets an ExternalSecret
(External Secrets Operator, ``external-secrets.io/v1``) whose target is the Secret the chart's values name, each
key a template over the credential's keys and the grant's facts (:mod:`hearth.render.credentials`). The store is
the component's own: a SecretStore ``vault-<component>`` logging into Vault's Kubernetes auth as the component's
Vault role, with a projected token (audience ``vault``) of the ServiceAccount ``<component>-secret-sync``, which
that role binds besides the component's own; so a store reads exactly the component's policy, never a
neighbour's. KV entries are read by the store (``dataFrom.extract``); database logins (``database/static-creds/``)
by a ``VaultDynamicSecret`` generator per credential, since a SecretStore reads only KV.

Schemas: external-secrets v2.9.0 config/crds/bases (external-secrets.io_externalsecrets.yaml,
external-secrets.io_secretstores.yaml, generators.external-secrets.io_vaultdynamicsecrets.yaml).
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.bootstrap_tls import CA_KEY, trust_secret
from hearth.render.credentials import Source, go_value, literal, source_of
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.render.secrets import secret_paths, vault_url
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.pods import standard_labels
from hearth.resolve.records import Resolved

API = "external-secrets.io/v1"
GENERATORS = "generators.external-secrets.io/v1alpha1"
KUBERNETES_AUTH_MOUNT = "kubernetes"
KV_MOUNT = "kv"
REFRESH = "1h"
EXCEPTION = "hearth.dev/exception-synced-secret"
"""The annotation stating, on each ExternalSecret, why this credential is a Kubernetes Secret."""


def sync_account(component: Component) -> str:
    """The ServiceAccount a component's SecretStore logs into Vault as (bound by the component's Vault role)."""
    return f"{component.name}-secret-sync"


def synced(component: Component) -> bool:
    """Whether the component takes any credential as a synced Secret."""
    return any(c.delivery == "secret" for c in component.credentials)


def _vault_provider(resolved: Resolved, component: Component) -> dict[str, Any]:
    endpoint = provider_endpoint(resolved, "secrets")
    provider: dict[str, Any] = {
        "server": vault_url(resolved) or "",
        "auth": {
            "kubernetes": {
                "mountPath": KUBERNETES_AUTH_MOUNT,
                "role": component.name,
                "serviceAccountRef": {"name": sync_account(component), "audiences": ["vault"]},
            }
        },
    }
    if endpoint is not None and endpoint.component.listener_tls is not None:
        # The bootstrap CA's copy in the store's namespace (external-secrets VaultProvider.caProvider).
        provider["caProvider"] = {"type": "Secret", "name": trust_secret(endpoint.component), "key": CA_KEY}
    return provider


def _external_secret(component: Component, name: str, source: Source, variables: dict[str, str]) -> Manifest:
    data = {key: _template(value, source) for key, value in sorted(variables.items())}
    if source.kv:
        data_from: dict[str, Any] = {"extract": {"key": source.path.removeprefix(f"{KV_MOUNT}/data/")}}
    else:
        data_from = {
            "sourceRef": {"generatorRef": {"apiVersion": GENERATORS, "kind": "VaultDynamicSecret", "name": name}}
        }
    reason = (
        f"the upstream chart of {component.name} reads this credential only from a Kubernetes Secret; it is synced "
        f"from Vault {source.path}, never written to the build"
    )
    return {
        "apiVersion": API,
        "kind": "ExternalSecret",
        "metadata": metadata(name, component.namespace, standard_labels(component), {EXCEPTION: reason}),
        "spec": {
            "refreshInterval": REFRESH,
            "secretStoreRef": {"kind": "SecretStore", "name": f"vault-{component.name}"},
            "target": {
                "name": name,
                "creationPolicy": "Owner",
                "template": {"engineVersion": "v2", "data": data},
            },
            "dataFrom": [data_from],
        },
    }


def _template(value: str, source: Source) -> str:
    text = literal(value, source)
    return text if text is not None else f"{{{{ {go_value(value, source, '.')} }}}}"


def render_secret_sync(resolved: Resolved, component: Component) -> list[Manifest]:
    """The ServiceAccount, SecretStore, generators and ExternalSecrets of a component's synced Secrets."""
    if not synced(component):
        return []
    labels = standard_labels(component)
    ns = component.namespace
    paths = secret_paths(resolved, component)
    provider = _vault_provider(resolved, component)
    out: list[Manifest] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(sync_account(component), ns, labels),
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": API,
            "kind": "SecretStore",
            "metadata": metadata(f"vault-{component.name}", ns, labels),
            "spec": {"provider": {"vault": {**provider, "path": KV_MOUNT, "version": "v2"}}},
        },
    ]
    for credential in component.credentials:
        if credential.delivery != "secret" or credential.source not in paths or credential.secret is None:
            continue
        source = source_of(resolved, component, credential.source, paths[credential.source])
        if not source.kv:
            out.append(
                {
                    "apiVersion": GENERATORS,
                    "kind": "VaultDynamicSecret",
                    "metadata": metadata(credential.secret, ns, labels),
                    "spec": {"path": source.path, "method": "GET", "provider": provider},
                }
            )
        out.append(_external_secret(component, credential.secret, source, credential.variables))
    return out
