"""Whether each file the Vault agent writes into a pod is read by anything in that pod.

The agent writes ``/vault/secrets/<name>`` (``vault.hashicorp.com/agent-inject-secret-<name>``, or the file
``agent-inject-file-<name>`` names). No image reads that directory on its own: a container is pointed at a file by
a ``*_FILE`` environment variable, by its command or arguments (a wrapper that sources it, a flag naming it), or by
a configuration file mounted from a ConfigMap. A file nothing in the pod names is a credential the application
never receives, although Vault serves it and the pod starts. Measured on the rendered pod templates and, for
upstream charts, on the values that carry the injector's annotations (the path named anywhere else in the
release's values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hearth.verify.build.model import Build
from hearth.verify.build.pod_template import PodTemplate
from hearth.verify.secrets.consumers import INJECT, values_annotations
from hearth.verify.secrets.consumers import SECRET_PREFIX as SECRET
from hearth.verify.secrets.vault import DATABASE_PATHS, VaultSide

SECRETS_DIR = "/vault/secrets"
"""Where the injector mounts the agent's files in every container (vault-k8s agent-inject default)."""
FILE = "vault.hashicorp.com/agent-inject-file-"
INJECTOR = "vault.hashicorp.com/"
_PATH_END = r"(?![A-Za-z0-9_.-])"


@dataclass(frozen=True)
class Unread:
    """One agent file no container of the reader is pointed at."""

    reader: str
    file: str
    path: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"reader": self.reader, "file": self.file, "vault_path": self.path}


def agent_files(annotations: Mapping[str, Any]) -> dict[str, str]:
    """``/vault/secrets/<file>`` -> the Vault path it holds, for a pod annotated for the injector."""
    if str(annotations.get(INJECT, "")).lower() != "true":
        return {}
    out = {}
    for key, value in annotations.items():
        if key.startswith(SECRET) and isinstance(value, str):
            name = key[len(SECRET) :]
            file = str(annotations.get(FILE + name) or name)
            out[file if file.startswith("/") else f"{SECRETS_DIR}/{file}"] = value
    return out


def named(text: str, file: str) -> bool:
    """Whether ``text`` names ``file`` as a whole path (``/vault/secrets/app`` is not named by ``.../app-key``)."""
    return re.search(re.escape(file) + _PATH_END, text) is not None


def _pod_text(pod: PodTemplate, config_maps: Mapping[tuple[str, str], str]) -> str:
    """What the pod's containers are told: env, envFrom, command and args, and the mounted ConfigMaps' data."""
    spec = pod.spec
    containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
    told = [[c.get(k) for k in ("env", "envFrom", "command", "args")] for c in containers if isinstance(c, dict)]
    text = json.dumps(told)
    for volume in spec.get("volumes", []):
        sources = [volume.get("configMap")] + [
            p.get("configMap") for p in (volume.get("projected") or {}).get("sources", [])
        ]
        for source in sources:
            if isinstance(source, dict) and source.get("name"):
                text += config_maps.get((pod.namespace, str(source["name"])), "")
    return text


def _without_injector(data: Any) -> Any:
    """``data`` with every ``vault.hashicorp.com/...`` key removed, so the annotations do not name their own files."""
    if isinstance(data, dict):
        return {k: _without_injector(v) for k, v in data.items() if not str(k).startswith(INJECTOR)}
    if isinstance(data, list):
        return [_without_injector(v) for v in data]
    return data


def unread_files(build: Build, values: Mapping[str, tuple[str, Any]]) -> list[Unread]:
    """Every agent file of a hearth-rendered pod, or of an upstream release's annotated values, that nothing in
    the same pod (or release) names."""
    config_maps = {
        (str(d.obj.get("metadata", {}).get("namespace")), str(d.obj.get("metadata", {}).get("name"))): json.dumps(
            d.obj.get("data") or {}
        )
        for d in build.of_kind("ConfigMap")
    }
    out = []
    for pod in build.pods:
        if pod.stand_in or pod.helm_test:
            continue
        files = agent_files(pod.annotations)
        if not files:
            continue
        text = _pod_text(pod, config_maps)
        reader = f"{pod.kind} {pod.namespace}/{pod.name}"
        out += [Unread(reader, file, path) for file, path in sorted(files.items()) if not named(text, file)]
    for release, (_namespace, data) in sorted(values.items()):
        text = ""
        for found in values_annotations(data):
            files = agent_files(found)
            if files and not text:
                text = json.dumps(_without_injector(data))
            reader = f"values/{release}.yaml"
            out += [Unread(reader, file, path) for file, path in sorted(files.items()) if not named(text, file)]
    return out


@dataclass(frozen=True)
class Undelivered:
    """A credential the build grants a consumer (a database login, a grant's KV entry) that no reader reads."""

    path: str
    granted_by: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"vault_path": self.path, "granted_by": self.granted_by}


def undelivered_grants(side: VaultSide, read_paths: set[str]) -> list[Undelivered]:
    """Each consumer credential the build makes (a static database role, a ``grants/<provider>.json`` consumer's
    KV entry) that no pod's agent and no ExternalSecret reads: granted, and delivered to nobody.

    An OIDC client's secret is left out: the identity provider reads every one itself, so a read of its path
    does not show that the consumer does (the agent-file check above covers hearth-rendered consumers).
    """
    prefixes = {directory: prefix for prefix, _, directory in DATABASE_PATHS}
    made = {f"{prefixes[d]}{role}": f"vault/database/{d}/{role}.json" for d, role in side.database_roles}
    made |= {"kv/data/" + entry.removeprefix("kv/"): writer for entry, writer in side.consumer_secrets.items()}
    return [Undelivered(path, writer) for path, writer in sorted(made.items()) if path not in read_paths]
