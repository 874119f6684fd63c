"""Who reads which Vault path, from the rendered objects: pods annotated for the Vault Agent Injector (manifests
and the pod annotations of upstream charts' values), and ExternalSecrets through their SecretStore's role.

Each read is checked three ways against :class:`~hearth.verify.secrets.vault.VaultSide`: the role exists and
binds the reader's ServiceAccount (where the build states it), the role's policies grant read on the path, and
something serves the path. A failing read would leave the pod hanging in its agent's init container, or the
synced Secret never written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hearth.verify.build.model import Build
from hearth.verify.secrets.vault import VaultSide

INJECT = "vault.hashicorp.com/agent-inject"
SECRET_PREFIX = "vault.hashicorp.com/agent-inject-secret-"
ROLE = "vault.hashicorp.com/role"
GENERATORS = "generators.external-secrets.io/"


@dataclass(frozen=True)
class Read:
    """One Vault path one reader reads, and what the audit found: ``server`` kind and ``problem`` (empty: ok)."""

    reader: str
    via: str  # "agent" or "synced"
    role: str
    path: str
    server: str
    detail: str
    problem: str

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "reader": self.reader,
            "via": self.via,
            "role": self.role,
            "path": self.path,
            "served_by": self.server,
            "detail": self.detail,
            "problem": self.problem,
        }


def _check(side: VaultSide, reader: str, via: str, role: str, path: str, account: tuple[str, str] | None) -> Read:
    server, detail = side.server(path)
    problem = ""
    if role not in side.roles:
        problem = f"Vault role {role!r} is not rendered (vault/roles/{role}.json)"
    elif account is not None and not side.binds(role, *account):
        problem = f"Vault role {role!r} does not bind ServiceAccount {account[1]}/{account[0]}"
    elif not side.grants_read(role, path):
        problem = f"the policies of role {role!r} do not grant read on {path}"
    elif server == "none":
        problem = f"nothing serves {path}: {detail}"
    return Read(reader, via, role, path, server, detail, problem)


def _annotated(annotations: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    if str(annotations.get(INJECT, "")).lower() != "true":
        return
    role = str(annotations.get(ROLE, ""))
    for key, value in sorted(annotations.items()):
        if key.startswith(SECRET_PREFIX) and isinstance(value, str):
            yield role, value


def values_annotations(data: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping inside an upstream chart's values that carries the injector's annotations."""
    if isinstance(data, dict):
        if INJECT in data and ROLE in data:
            yield data
        for value in data.values():
            yield from values_annotations(value)
    elif isinstance(data, list):
        for value in data:
            yield from values_annotations(value)


def agent_reads(build: Build, side: VaultSide, values: Mapping[str, tuple[str, Any]]) -> list[Read]:
    """Every path a pod of the build (or of an upstream chart, from its values) asks the agent for."""
    out = []
    for pod in build.pods:
        if pod.stand_in or pod.helm_test:
            continue
        account = str(pod.spec.get("serviceAccountName") or "default")
        for role, path in _annotated(pod.annotations):
            out.append(
                _check(side, f"{pod.kind} {pod.namespace}/{pod.name}", "agent", role, path, (account, pod.namespace))
            )
    for release, (namespace, data) in sorted(values.items()):
        for found in values_annotations(data):
            for role, path in _annotated(found):
                out.append(_check(side, f"values/{release}.yaml ({namespace})", "agent", role, path, None))
    return out


def synced_reads(build: Build, side: VaultSide) -> list[Read]:
    """Every path an ExternalSecret reads, as the role of the SecretStore it names (its own ServiceAccount)."""
    stores = {
        (d.obj.get("metadata", {}).get("namespace"), d.obj.get("metadata", {}).get("name")): d.obj
        for d in build.of_kind("SecretStore")
    }
    generators = {
        (d.obj.get("metadata", {}).get("namespace"), d.obj.get("metadata", {}).get("name")): d.obj
        for d in build.of_kind("VaultDynamicSecret")
    }
    out = []
    for doc in build.of_kind("ExternalSecret"):
        meta, spec = doc.obj.get("metadata", {}), doc.obj.get("spec", {})
        namespace, name = meta.get("namespace"), meta.get("name")
        reader = f"ExternalSecret {namespace}/{name}"
        ref = spec.get("secretStoreRef", {})
        store = stores.get((namespace, ref.get("name")))
        if store is None:
            out.append(
                Read(reader, "synced", "", "", "none", "", f"SecretStore {ref.get('name')!r} is not in the build")
            )
            continue
        vault = store.get("spec", {}).get("provider", {}).get("vault", {})
        mount = str(vault.get("path", "kv"))
        for source in spec.get("dataFrom", []) + spec.get("data", []):
            path, auth = _source_path(source, mount, generators, namespace, vault)
            kubernetes = auth.get("kubernetes", {})
            account = kubernetes.get("serviceAccountRef", {}).get("name")
            bound = (str(account), str(namespace)) if account else None
            out.append(_check(side, reader, "synced", str(kubernetes.get("role", "")), path, bound))
    return out


def _source_path(
    source: Mapping[str, Any], mount: str, generators: Mapping[Any, Any], namespace: Any, vault: Mapping[str, Any]
) -> tuple[str, Mapping[str, Any]]:
    generator = source.get("sourceRef", {}).get("generatorRef")
    if generator is not None:
        found = generators.get((namespace, generator.get("name")), {}).get("spec", {})
        return str(found.get("path", "")), found.get("provider", {}).get("auth", {})
    key = (source.get("extract") or source.get("remoteRef") or {}).get("key", "")
    return f"{mount}/data/{key}", vault.get("auth", {})
