"""What the operator supplies to the provider steps: where each provider is reached from here, and its admin login.

The admin login of a provider is the operator's, never the catalog's: a JSON file ``<dir>/<provider>.json``
(``{"username": ..., "password": ...}``, mode 0600 or stricter, refused otherwise) or, without one, the KV entry
``kv/hearth/bootstrap/<provider>`` the operator wrote into Vault. Endpoints default to the build's in-cluster
``host:port``; ``--endpoint provider=host:port`` reaches a provider another way (a port-forward, a test server),
and the same address is what Vault's database engine is configured with. For a ``vhost`` provider (RabbitMQ) the
endpoint is its management HTTP API, the only interface the bootstrap speaks to it; for a ``bucket`` provider (S3)
the admin login's ``username`` and ``password`` are its access key id and secret access key.
"""

from __future__ import annotations

import json
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hearth.bootstrap.model import StepError
from hearth.bootstrap.vault import KV_MOUNT, Vault

ADMIN_KV = "hearth/bootstrap/{provider}"
_HOST_PORT = re.compile(r"(?<=[@(])([A-Za-z0-9_.-]+):(\d+)")


@dataclass(frozen=True)
class Admin:
    """An admin login; ``repr`` never shows the password."""

    username: str
    password: str = field(repr=False)


@dataclass
class Operator:
    """The operator's inputs: endpoint overrides and where admin logins are read from."""

    vault: Vault
    endpoints: Mapping[str, str] = field(default_factory=dict)
    admin_dir: Path | None = None

    def endpoint(self, provider: str, rendered: str) -> str:
        """``host:port`` to reach ``provider`` at: the override, else the build's."""
        return self.endpoints.get(provider, rendered)

    def url(self, provider: str, url: str) -> str:
        """A rendered connection URL with its ``host:port`` replaced by the provider's endpoint override."""
        if provider not in self.endpoints:
            return url
        return _HOST_PORT.sub(self.endpoints[provider], url, count=1)

    def admin(self, provider: str) -> Admin:
        """The admin login of ``provider``: the operator's file, else Vault KV; a StepError saying where to put it."""
        if self.admin_dir is not None and (self.admin_dir / f"{provider}.json").exists():
            return _admin_file(self.admin_dir / f"{provider}.json")
        path = ADMIN_KV.format(provider=provider)
        data = kv_read(self.vault, path)
        username, password = (data or {}).get("username"), (data or {}).get("password")
        if isinstance(username, str) and isinstance(password, str):
            return Admin(username, password)
        where = f"{self.admin_dir}/{provider}.json or " if self.admin_dir else ""
        raise StepError(f"no admin login for {provider}: write it to {where}Vault KV {KV_MOUNT}/{path}")


def _admin_file(path: Path) -> Admin:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise StepError(f"{path}: mode {mode:o} lets others read an admin password; chmod 600 it")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StepError(f"{path}: not a JSON admin login: {type(exc).__name__}") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("username"), str)
        or not isinstance(data.get("password"), str)
    ):
        raise StepError(f'{path}: expected {{"username": ..., "password": ...}}')
    return Admin(data["username"], data["password"])


def kv_read(vault: Vault, path: str) -> dict[str, object] | None:
    """The data of KV version 2 entry ``path`` (under the ``kv/`` mount), None when absent."""
    answer = vault.read(f"{KV_MOUNT}/data/{path}")
    inner = (answer or {}).get("data")
    return inner if isinstance(inner, dict) else None


def kv_secret(vault: Vault, path: str, key: str) -> tuple[str, bool]:
    """The value of ``key`` in KV entry ``path``, generated (32 random bytes, URL-safe) and written when absent:
    (value, whether it was created). Other keys of the entry are kept."""
    data = kv_read(vault, path) or {}
    value = data.get(key)
    if isinstance(value, str) and value:
        return value, False
    value = secrets.token_urlsafe(32)
    vault.write(f"{KV_MOUNT}/data/{path}", {"data": {**data, key: value}})
    return value, True


def strip_kv(path: str) -> str:
    """``kv/a/b`` -> ``a/b``: a rendered KV path without its mount."""
    return path.removeprefix(f"{KV_MOUNT}/")


def kv_username(vault: Vault, secret: str, name: str) -> None:
    """Record the login's name beside its password in the consumer's KV entry ``secret`` (what it logs in with)."""
    data = kv_read(vault, strip_kv(secret)) or {}
    if data.get("username") != name:
        vault.write(f"{KV_MOUNT}/data/{strip_kv(secret)}", {"data": {**data, "username": name}})
