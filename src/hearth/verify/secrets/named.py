"""Secrets the build refers to by name, and whether anything in the build creates each.

Referred to: in an upstream chart's values (``values/<release>.yaml``), a key naming an existing Secret
(``existingSecret``, ``existingPgURLSecret``: any ``existing...Secret`` key with a name; an ``existingSecret``
mapping's ``secretName`` unless ``enabled: false``; a ``secretKeyRef``'s, ``passwordSecret``'s or
mapping's ``secret`` beside a ``key``); in the pods of ``manifests/``, ``secretKeyRef``, ``envFrom.secretRef`` and
``secret`` volumes. Created: a ``Secret`` object, an ``ExternalSecret``'s target (its name by default), or a
cert-manager ``Certificate``'s ``secretName``, in the same namespace. A Secret the chart itself templates is not
named in its values, so a name there is one the chart expects to find.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hearth.verify.build.model import Build

_EXISTING = re.compile(r"^existing\w*secret$", re.IGNORECASE)
SYNCED_EXCEPTION = "hearth.dev/exception-synced-secret"


@dataclass(frozen=True)
class NamedSecret:
    """A Secret named by ``where`` (``key`` the path in it) and what creates it (empty: nothing)."""

    namespace: str
    name: str
    where: str
    key: str
    created_by: str

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "namespace": self.namespace,
            "name": self.name,
            "named_in": self.where,
            "key": self.key,
            "created_by": self.created_by,
        }


def values_names(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, Secret name) for every Secret an upstream chart's values name."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from values_names(item, f"{path}[{i}]")
        return
    if not isinstance(data, dict):
        return
    if "key" in data and isinstance(data.get("secret"), str):
        yield f"{path}.secret", data["secret"]
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, str) and value and _EXISTING.match(str(key)):
            yield where, value
        elif isinstance(value, dict) and _EXISTING.match(str(key)) and value.get("enabled", True) is not False:
            if isinstance(value.get("secretName"), str):
                yield f"{where}.secretName", value["secretName"]
        elif (
            isinstance(value, dict)
            and (key == "secretKeyRef" or str(key).endswith("Secret"))
            and isinstance(value.get("name"), str)
            and value["name"]
        ):
            yield f"{where}.name", value["name"]
        yield from values_names(value, where)


def _pod_names(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for volume in spec.get("volumes", []) or []:
        secret = (volume or {}).get("secret")
        if isinstance(secret, dict) and isinstance(secret.get("secretName"), str):
            yield f"volumes.{volume.get('name')}", secret["secretName"]
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        for env in container.get("env", []) or []:
            ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef")
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                yield f"{container.get('name')}.env.{env.get('name')}", ref["name"]
        for source in container.get("envFrom", []) or []:
            ref = (source or {}).get("secretRef")
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                yield f"{container.get('name')}.envFrom", ref["name"]


def creators(build: Build) -> dict[tuple[str, str], str]:
    """(namespace, Secret name) -> what creates it in the build."""
    out: dict[tuple[str, str], str] = {}
    for doc in build.of_kind("Secret", "ExternalSecret", "Certificate"):
        meta, spec = doc.obj.get("metadata", {}), doc.obj.get("spec", {}) or {}
        namespace, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        if doc.kind == "Secret":
            out[(namespace, name)] = f"Secret {namespace}/{name}"
        elif doc.kind == "ExternalSecret":
            target = str((spec.get("target") or {}).get("name") or name)
            out[(namespace, target)] = f"ExternalSecret {namespace}/{name}"
        elif isinstance(spec.get("secretName"), str):
            out[(namespace, spec["secretName"])] = f"Certificate {namespace}/{name}"
    return out


def named_secrets(build: Build, values: Mapping[str, tuple[str, Any]]) -> list[NamedSecret]:
    """Every Secret the values and pods name, with what creates it."""
    made = creators(build)
    out = []
    for release, (namespace, data) in sorted(values.items()):
        for key, name in values_names(data):
            out.append(NamedSecret(namespace, name, f"values/{release}.yaml", key, made.get((namespace, name), "")))
    for pod in build.pods:
        if pod.stand_in:
            continue
        for key, name in _pod_names(pod.spec):
            where = f"{pod.kind} {pod.namespace}/{pod.name}"
            out.append(NamedSecret(pod.namespace, name, where, key, made.get((pod.namespace, name), "")))
    return sorted(set(out), key=lambda s: (s.namespace, s.name, s.where, s.key))


def synced_exceptions(build: Build) -> list[str]:
    """``namespace/name`` of every ExternalSecret: the Secrets synced from Vault, the seed's named exception."""
    return sorted(
        f"{d.obj.get('metadata', {}).get('namespace')}/{d.obj.get('metadata', {}).get('name')}"
        for d in build.of_kind("ExternalSecret")
    )
