"""OIDC client secrets (``sso-client``): each client's secret generated into the Vault KV entry both ends read.

The build's ``sso/clients.json`` (``hearth.render.sso``) lists every OAuth2/OpenID client of the identity provider
with the KV entry (``kv/<namespace>/<consumer>/oidc``) its Authentik blueprint takes ``client_secret`` from
(``!File /vault/secrets/sso-<app>``, rendered by the provider's Vault agent) and the consumer reads through its own
agent. One step, ``<provider>-client-secrets``, reads each entry and writes only what it lacks: ``client_id`` as
rendered and a ``client_secret`` of 32 random bytes (URL-safe) when none is there. A secret already in Vault is never
replaced, since Authentik's provider and the running app hold it; other keys of the entry are kept.
"""

from __future__ import annotations

import secrets
from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step
from hearth.bootstrap.operator import kv_read, strip_kv
from hearth.bootstrap.vault import KV_MOUNT, Vault


def sso_steps(vault: Vault, clients: dict[str, Any] | None) -> list[Step]:
    """The client secrets step of the build's identity provider; none without ``sso/clients.json``."""
    if not clients or not clients.get("clients"):
        return []
    return [client_secrets_step(vault, str(clients["provider"]), list(clients["clients"]))]


def client_secrets_step(vault: Vault, provider: str, clients: list[dict[str, str]]) -> Step:
    """Every OIDC client of ``provider`` has its id and a secret in its KV entry."""

    def read() -> list[Change]:
        changes = []
        for client in clients:
            path, client_id = strip_kv(str(client["secret"])), str(client["client_id"])
            data = kv_read(vault, path) or {}
            secret = data.get("client_secret")
            has_secret = isinstance(secret, str) and bool(secret)
            if has_secret and data.get("client_id") == client_id:
                continue
            parts = [] if has_secret else ["generate client_secret"]
            if data.get("client_id") != client_id:
                parts.append(f"client_id {client_id}")
            changes.append(Change(f"{KV_MOUNT}/{path}: {', '.join(parts)}", _writer(vault, path, client_id)))
        return changes

    return FuncStep(f"{provider}-client-secrets", f"{len(clients)} OIDC client secrets of {provider} in Vault", read)


def _writer(vault: Vault, path: str, client_id: str) -> Any:
    def apply() -> None:
        data = kv_read(vault, path) or {}
        secret = data.get("client_secret")
        if not isinstance(secret, str) or not secret:
            secret = secrets.token_urlsafe(32)
        vault.write(f"{KV_MOUNT}/data/{path}", {"data": {**data, "client_id": client_id, "client_secret": secret}})

    return apply
