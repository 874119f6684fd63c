"""The Vault side of a build, read from its files: what the rendered policies grant, which Kubernetes auth roles
bind which ServiceAccounts, and what serves each path a consumer reads.

A path is served when something the build renders puts a value there:

* ``database/static-creds/<role>`` (a login whose password Vault rotates) and ``database/creds/<role>`` (dynamic
  logins): ``vault/database/static-roles/<role>.json`` or ``vault/database/roles/<role>.json`` exists and its
  ``db_name`` has a connection, ``vault/database/config/<db_name>.json`` (what ``hearth bootstrap`` writes to
  Vault's database engine);
* ``kv/data/<entry>``: a ``grants/<provider>.json`` lists ``kv/<entry>`` as a consumer's ``secret`` or the
  ``provider_secret``, or ``sso/clients.json`` lists it as an OIDC client's (the bootstrap writes it when it
  applies the grant, or generates the client's secret); any other KV entry is one the operator
  (or a generator) writes: counted, not failed, since the build cannot know it is there;
* any other mount (a secrets engine the build configures nothing for) is served by nothing.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATABASE_PATHS = (("database/static-creds/", "rotated", "static-roles"), ("database/creds/", "dynamic", "roles"))
"""(path prefix, what serves it, the directory under ``vault/database/`` of its roles) for the database engine."""
_POLICY_PATH = re.compile(r'^path\s+"([^"]+)"\s*\{(.*?)^\}', re.MULTILINE | re.DOTALL)
_CAPABILITIES = re.compile(r"capabilities\s*=\s*\[([^\]]*)\]")


def _json_files(directory: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out[path.stem] = data
    return out


def policy_reads(text: str) -> list[str]:
    """The path patterns an HCL policy grants ``read`` on."""
    return [
        m.group(1) for m in _POLICY_PATH.finditer(text) if '"read"' in (_CAPABILITIES.search(m.group(2)) or [""])[0]
    ]


@dataclass
class VaultSide:
    """What the build renders for Vault: policies (name -> read patterns), roles, database roles and KV writers."""

    policies: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    database_roles: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    database_configs: set[str] = field(default_factory=set)
    kv_writers: dict[str, str] = field(default_factory=dict)
    """KV entry (``kv/...`` without ``data/``) -> the grants file that writes it."""
    consumer_secrets: dict[str, str] = field(default_factory=dict)
    """The consumers' entries among them (not a provider's own secret, not an OIDC client's)."""

    def grants_read(self, role: str, path: str) -> bool:
        """Whether the role's policies grant read on ``path`` (Vault's ``*`` suffix glob and ``+`` segments)."""
        for policy in self.roles.get(role, {}).get("token_policies", []):
            for pattern in self.policies.get(str(policy), []):
                glob = pattern.replace("+", "[!/]*")
                if path == pattern or (glob.endswith("*") and fnmatch.fnmatchcase(path, glob)):
                    return True
        return False

    def binds(self, role: str, account: str, namespace: str) -> bool:
        """Whether the Kubernetes auth role accepts ServiceAccount ``namespace/account``."""
        spec = self.roles.get(role)
        if spec is None:
            return False
        names = [str(n) for n in spec.get("bound_service_account_names", [])]
        spaces = [str(n) for n in spec.get("bound_service_account_namespaces", [])]
        return (account in names or "*" in names) and (namespace in spaces or "*" in spaces)

    def server(self, path: str) -> tuple[str, str]:
        """(``rotated``/``dynamic``/``grant``/``operator``/``none``, what serves ``path`` or why nothing does)."""
        for prefix, kind, directory in DATABASE_PATHS:
            if not path.startswith(prefix):
                continue
            role = path.removeprefix(prefix)
            spec = self.database_roles.get((directory, role))
            where = f"vault/database/{directory}/{role}.json"
            if spec is None:
                return "none", f"no {where}"
            if str(spec.get("db_name")) not in self.database_configs:
                return "none", f"{where} names connection {spec.get('db_name')!r}, not rendered"
            return kind, where
        if path.startswith("kv/data/"):
            entry = "kv/" + path.removeprefix("kv/data/")
            if entry in self.kv_writers:
                return "grant", self.kv_writers[entry]
            return "operator", "a KV entry no grant writes: the operator's or generated"
        mount = path.split("/", 1)[0]
        return "none", f"nothing in the build configures Vault's {mount}/ mount"


def read_vault_side(root: Path) -> VaultSide:
    """The :class:`VaultSide` of the build at ``root`` (empty parts when it renders no Vault files)."""
    side = VaultSide()
    policies = root / "vault" / "policies"
    for path in sorted(policies.glob("*.hcl")) if policies.is_dir() else []:
        side.policies[path.stem] = policy_reads(path.read_text())
    side.roles = _json_files(root / "vault" / "roles")
    for _, _, directory in DATABASE_PATHS:
        for name, spec in _json_files(root / "vault" / "database" / directory).items():
            side.database_roles[directory, name] = spec
    side.database_configs = set(_json_files(root / "vault" / "database" / "config"))
    for name, grants in _json_files(root / "grants").items():
        writer = f"grants/{name}.json"
        if isinstance(grants.get("provider_secret"), str):
            side.kv_writers[grants["provider_secret"]] = writer
        for consumer in grants.get("consumers", []):
            if isinstance(consumer, dict) and isinstance(consumer.get("secret"), str):
                side.kv_writers[consumer["secret"]] = writer
                side.consumer_secrets[consumer["secret"]] = writer
    clients = _json_files(root / "sso").get("clients", {})
    for client in clients.get("clients", []):
        if isinstance(client, dict) and isinstance(client.get("secret"), str):
            side.kv_writers[client["secret"]] = "sso/clients.json"
    return side
