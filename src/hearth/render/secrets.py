"""Secrets through Vault: Agent Injector annotations on workloads, and the Vault policy and role per component.

No Kubernetes Secret ever holds an application credential: the Vault agent renders each credential into
``/vault/secrets/<capability>`` inside the pod. Database credentials are dynamic (Vault's database secrets
engine issues and rotates them); the rest are KV entries under ``kv/<namespace>/<component>/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hearth.capabilities import CAPABILITIES, LOGIN
from hearth.catalog.app_keys import app_path, reads_app
from hearth.catalog.models import Component
from hearth.render.bootstrap_tls import CA_KEY, trust_secret
from hearth.render.credentials import Delivered, deliver, source_of
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Grant, Resolved

INJECT = "vault.hashicorp.com"
TOKEN_VOLUME = "vault-token"
AGENT_TLS_DIR = "/vault/tls"
"""Where the injector mounts the ``tls-secret`` Secret in the agent containers (vault-k8s agent/annotations.go)."""


def needs_vault(resolved: Resolved, component: Component) -> bool:
    """True when the component needs a provider of secrets (a Vault) and so gets an agent."""
    comps = resolved.catalog.components
    return any("secrets" in comps[n].capabilities() for n in component.needs)


def secret_path(grant: Grant, component: Component) -> str:
    """Where Vault serves the credential of one grant: a database static role's current login, or a KV entry."""
    engine = CAPABILITIES[grant.capability].vault_engine
    if engine == "database":
        return f"database/static-creds/{grant.provider}-{component.name}"
    return f"kv/data/{component.namespace}/{component.name}/{grant.capability}"


def app_secret_path(component: Component) -> str:
    """The component's own secrets (keys, admin bootstrap) in KV."""
    return app_path(component.namespace, component.name)


def reads_own_entry(resolved: Resolved, component: Component) -> bool:
    """Whether something rendered for the component reads its own ``app`` entry: a credential of source ``app``,
    or (for the provider of ``metrics``) Alertmanager's webhook when ``alert_routing.webhook_secret`` is in it."""
    routing = resolved.catalog.platform.alert_routing
    return reads_app(component, routing.webhook_secret if routing else None)


def secret_paths(resolved: Resolved, component: Component) -> dict[str, str]:
    """File name under /vault/secrets -> Vault path, for everything the component reads from Vault: its grants'
    paths, the shared secrets it holds, and its own ``app`` entry only when something it renders reads that (an
    agent that asks for an entry nobody writes waits in the pod's init container); not the credentials its catalog
    delivers ``none`` (the application cannot read them, so neither its pod nor its policy gets them)."""
    if not needs_vault(resolved, component):
        return {}
    unread = {c.source for c in component.credentials if c.delivery == "none"}
    paths = {"app": app_secret_path(component)} if reads_own_entry(resolved, component) else {}
    for grant in resolved.grants_for(component.name):
        if grant.kind != "vault-role":
            paths[grant.capability] = secret_path(grant, component)
    paths = {name: path for name, path in paths.items() if name not in unread}
    paths |= shared_secret_paths(resolved, component)
    return dict(sorted(paths.items()))


def shared_secret_paths(resolved: Resolved, provider: Component) -> dict[str, str]:
    """``sso-<consumer>`` -> the consumer's credential path, for the grants whose secret both ends hold
    (``CapabilitySpec.shared_secret``: the identity provider reads each OIDC client's secret)."""
    return {
        f"sso-{grant.consumer}": secret_path(grant, resolved.component(grant.consumer))
        for grant in resolved.grants_from(provider.name)
        if CAPABILITIES[grant.capability].shared_secret
    }


def env_file_template(path: str) -> str:
    """A Vault agent template writing the secret at ``path`` as ``key=value`` lines.

    A KV version 2 read (``kv/data/...``) keeps the entry's keys under ``.Data.data`` (``.Data`` also holds
    ``metadata``); of a database login (``database/static-creds/...``, under ``.Data``) only the login is written,
    not the rotation's ``ttl``, ``rotation_period`` and ``last_vault_rotation``.
    """
    if path.startswith("database/"):
        login = "".join(f"{key}={{{{ .Data.{key} }}}}\n" for key in LOGIN)
        return f'{{{{- with secret "{path}" -}}}}{login}{{{{- end -}}}}'
    data = ".Data.data" if path.startswith("kv/data/") else ".Data"
    return (
        f'{{{{- with secret "{path}" -}}}}{{{{ range $k, $v := {data} }}}}'
        f"{{{{ $k }}}}={{{{ $v }}}}\n{{{{ end }}}}{{{{- end -}}}}"
    )


def vault_url(resolved: Resolved) -> str | None:
    """The URL of the provider of ``secrets``: https when its listener serves TLS from the bootstrap CA."""
    endpoint = provider_endpoint(resolved, "secrets")
    if endpoint is None:
        return None
    scheme = "https" if endpoint.component.listener_tls is not None else "http"
    return f"{scheme}://{endpoint.host}:{endpoint.port.port}"


def vault_address(resolved: Resolved) -> dict[str, str]:
    """``vault.hashicorp.com/service``: the Vault the agent talks to, from the provider of ``secrets``; with TLS,
    the CA it verifies Vault with (``tls-secret``: the bootstrap CA's copy in the pod's namespace, mounted at
    ``/vault/tls``; ``ca-cert``: its ``ca.crt``), never ``tls-skip-verify``.

    The injector would otherwise use its own default address; stating it on the pod keeps the agent's Vault and
    the NetworkPolicy's egress the same endpoint.
    """
    url = vault_url(resolved)
    endpoint = provider_endpoint(resolved, "secrets")
    if url is None or endpoint is None:
        return {}
    out = {f"{INJECT}/service": url}
    if endpoint.component.listener_tls is not None:
        out[f"{INJECT}/tls-secret"] = trust_secret(endpoint.component)
        out[f"{INJECT}/ca-cert"] = f"{AGENT_TLS_DIR}/{CA_KEY}"
    return out


def vault_injection(resolved: Resolved, component: Component) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Pod annotations for the Vault Agent Injector and the projected token volume it authenticates with.

    The service account token is not automounted; the agent gets a short-lived token with audience ``vault``
    from a projected volume instead (vault-k8s: agent-service-account-token-volume-name).
    """
    paths = secret_paths(resolved, component)
    if not paths:
        return {}, []
    annotations = {
        f"{INJECT}/agent-inject": "true",
        f"{INJECT}/role": component.name,
        **vault_address(resolved),
        f"{INJECT}/agent-service-account-token-volume-name": TOKEN_VOLUME,
        f"{INJECT}/agent-pre-populate": "true",
    }
    annotations |= delivered(resolved, component).annotations
    return annotations, [token_volume()]


def delivered(resolved: Resolved, component: Component) -> Delivered:
    """Every credential of the component as its catalog ``credentials`` deliver it (a ``key=value`` file under
    ``/vault/secrets/<source>`` for those it states nothing about); ``secret`` deliveries are synced Secrets
    (:mod:`hearth.render.secret_sync`), not agent files."""
    out = Delivered()
    stated = {c.source: c for c in component.credentials}
    for file, path in secret_paths(resolved, component).items():
        credential = stated.get(file)
        if credential is None:
            out.annotations[f"{INJECT}/agent-inject-secret-{file}"] = path
            out.annotations[f"{INJECT}/agent-inject-template-{file}"] = env_file_template(path)
        elif credential.delivery != "secret":
            deliver(credential, source_of(resolved, component, file, path), out)
    return out


def token_volume() -> dict[str, Any]:
    """The projected volume of a short-lived ServiceAccount token of audience ``vault``, the agent's login."""
    return {
        "name": TOKEN_VOLUME,
        "projected": {
            "sources": [{"serviceAccountToken": {"path": "token", "audience": "vault", "expirationSeconds": 600}}]
        },
    }


def policy_text(owner: str, paths: Iterable[str]) -> str:
    """A Vault policy in HCL that reads exactly ``paths``, for the identity ``owner`` (``namespace/name``)."""
    lines = [f"# Vault policy for {owner}, rendered by hearth."]
    for path in paths:
        lines += [f'path "{path}" {{', '  capabilities = ["read"]', "}", ""]
    return "\n".join(lines).rstrip() + "\n"


def kubernetes_role(name: str, namespace: str, accounts: Iterable[str] = ()) -> dict[str, Any]:
    """The Kubernetes auth role binding ServiceAccount ``namespace/name`` (and ``accounts``) to the policy ``name``.

    Tokens must have audience ``vault``: the projected token of :func:`token_volume`, never the automounted one.
    """
    return {
        "name": name,
        "bound_service_account_names": [name, *accounts],
        "bound_service_account_namespaces": [namespace],
        "audience": "vault",
        "token_policies": [name],
        "token_ttl": "1h",
    }


def vault_policy(resolved: Resolved, component: Component) -> str:
    """The component's Vault policy in HCL: read exactly its own paths, nothing else."""
    return policy_text(f"{component.namespace}/{component.name}", secret_paths(resolved, component).values())


def vault_role(component: Component) -> dict[str, Any]:
    """The Kubernetes auth role binding the component's ServiceAccount to its policy, and the one its synced
    Secrets' store logs in as (``<name>-secret-sync``, :mod:`hearth.render.secret_sync`) when it has any."""
    synced = any(c.delivery == "secret" for c in component.credentials)
    return kubernetes_role(component.name, component.namespace, [f"{component.name}-secret-sync"] if synced else [])
