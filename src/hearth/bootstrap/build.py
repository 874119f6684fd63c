"""What the bootstrap applies, read from a rendered build (``hearth render``'s files), never from the catalog's
internals: the Vault policies and roles, the database engine files, the grants' SQL and the ClusterIssuer's path."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


def read_build(build_dir: Path) -> dict[str, str]:
    """Every text file under ``build_dir`` as {relative path: text}; a missing directory is a ValueError."""
    if not build_dir.is_dir():
        raise ValueError(f"{build_dir}: not a build directory (run `hearth render --out {build_dir}`)")
    return {
        p.relative_to(build_dir).as_posix(): p.read_text()
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.suffix in {".hcl", ".json", ".sql", ".yaml", ".yml", ".conf", ".txt", ".md", ".tpl"}
    }


@dataclass(frozen=True)
class Build:
    """A rendered build, by relative path."""

    files: Mapping[str, str]

    def _under(self, prefix: str, suffix: str) -> dict[str, str]:
        return {
            Path(path).name.removesuffix(suffix): text
            for path, text in sorted(self.files.items())
            if path.startswith(prefix) and path.endswith(suffix) and "/" not in path[len(prefix) :]
        }

    def policies(self) -> dict[str, str]:
        """``vault/policies/<name>.hcl``: policy name -> HCL text."""
        return self._under("vault/policies/", ".hcl")

    def roles(self) -> dict[str, dict[str, Any]]:
        """``vault/roles/<name>.json``: Kubernetes auth role name -> its fields."""
        return {name: json.loads(text) for name, text in self._under("vault/roles/", ".json").items()}

    def database_configs(self) -> dict[str, dict[str, Any]]:
        """``vault/database/config/<name>.json``: database engine connection name -> its fields."""
        return {name: json.loads(text) for name, text in self._under("vault/database/config/", ".json").items()}

    def database_roles(self) -> dict[str, dict[str, Any]]:
        """``vault/database/static-roles/<name>.json``: database engine static role name -> its fields."""
        return {name: json.loads(text) for name, text in self._under("vault/database/static-roles/", ".json").items()}

    def database_sql(self) -> dict[str, str]:
        """``databases/<engine>.sql``: the grants' SQL per database connection name."""
        return self._under("databases/", ".sql")

    def provider_grants(self) -> dict[str, dict[str, Any]]:
        """``grants/<provider>.json``: the acl-user, vhost and bucket grants per provider."""
        return {name: json.loads(text) for name, text in self._under("grants/", ".json").items()}

    def sso_clients(self) -> dict[str, Any] | None:
        """``sso/clients.json``: the identity provider and its OIDC clients (KV entry, client id), None if absent."""
        text = self.files.get("sso/clients.json")
        return None if text is None else dict(json.loads(text))

    def manifests(self, kind: str) -> list[dict[str, Any]]:
        """The Kubernetes objects of ``kind`` under ``manifests/`` (only files naming that kind are parsed)."""
        docs: list[dict[str, Any]] = []
        marker = f"kind: {kind}\n"
        for path, text in sorted(self.files.items()):
            if path.startswith("manifests/") and path.endswith((".yaml", ".yml")) and marker in text:
                loaded = yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                docs += [d for d in loaded if isinstance(d, dict) and d.get("kind") == kind]
        return docs

    def cluster_issuer(self) -> tuple[str, str]:
        """(server, path) of the Vault ClusterIssuer cert-manager signs with, e.g. ``pki/sign/<role>``."""
        for doc in self.manifests("ClusterIssuer"):
            vault = doc.get("spec", {}).get("vault")
            if isinstance(vault, dict) and "path" in vault:
                return str(vault.get("server", "")), str(vault["path"])
        raise ValueError("the build has no Vault ClusterIssuer (manifests/*.yaml kind ClusterIssuer spec.vault)")
