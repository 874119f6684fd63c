"""Secrets the cluster generates once: created by ``hearth apply`` right before the release that needs them.

The build states each one without its value (``cluster/generated-secrets.json``, ``hearth.render.seal_key``): the
static seal's key of the secrets store, which must exist before the store's first start and can come from nothing
the store serves. Before installing a release, the engine makes every Secret stated ``before`` it exist: it reads
the Secret first and creates it only when it is not there, with ``bytes`` from the operating system's random source
(``secrets.token_bytes``). An existing Secret is never changed, whatever its value: data sealed with a key must
keep that key. The value travels only in the create request's body, never in output, logs or argv; a dry run
says what it would create.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth.contract import GENERATED_SECRETS_FILE
from hearth.deploy.kube import Kube

FILE = GENERATED_SECRETS_FILE


@dataclass(frozen=True)
class GeneratedSecret:
    """A Secret to generate once: where, its key and length, its labels, and the release it must precede."""

    namespace: str
    name: str
    key: str
    size: int
    labels: tuple[tuple[str, str], ...]
    before: str
    purpose: str

    @property
    def ref(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


def load_generated(root: Path) -> tuple[GeneratedSecret, ...]:
    """The build's generated Secrets (none when the build states none); ValueError names a malformed field."""
    path = root / FILE
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not readable as JSON ({exc})") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of Secrets")
    out: list[GeneratedSecret] = []
    for index, entry in enumerate(data):
        try:
            size = entry["bytes"]
            if not isinstance(size, int) or isinstance(size, bool) or not 16 <= size <= 4096:
                raise ValueError("bytes")
            for field in ("namespace", "name", "key", "before"):
                if not isinstance(entry[field], str) or not entry[field]:
                    raise ValueError(field)
            out.append(
                GeneratedSecret(
                    namespace=entry["namespace"],
                    name=entry["name"],
                    key=entry["key"],
                    size=size,
                    labels=tuple(sorted((str(k), str(v)) for k, v in (entry.get("labels") or {}).items())),
                    before=entry["before"],
                    purpose=str(entry.get("purpose", "")),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}: [{index}]: missing or invalid {exc}") from exc
    return tuple(out)


def _secret(spec: GeneratedSecret) -> dict[str, Any]:
    value = base64.b64encode(secrets.token_bytes(spec.size)).decode("ascii")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": dict(spec.labels)},
        "type": "Opaque",
        "data": {spec.key: value},
    }


def ensure_generated(kube: Kube, specs: tuple[GeneratedSecret, ...], release: str, dry_run: bool) -> list[str]:
    """Make each Secret stated before ``release`` exist; what was done, one line each, never a value."""
    done: list[str] = []
    for spec in specs:
        if spec.before != release:
            continue
        if kube.get("v1", "Secret", spec.name, spec.namespace) is not None:
            done.append(f"{spec.ref} exists: kept ({spec.purpose})")
            continue
        if dry_run:
            done.append(f"would generate {spec.ref} ({spec.size} random bytes, {spec.purpose})")
            continue
        kube.create(_secret(spec), spec.namespace)
        done.append(f"generated {spec.ref} ({spec.size} random bytes, {spec.purpose}); keep a copy outside the cluster")
    return done
