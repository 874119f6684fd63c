"""Every rendered document validates against the Kubernetes 1.28 strict JSON schemas (kubernetes-validate).

Validators are built once per (kind, apiVersion) over the schema files bundled in kubernetes_validate, which is
what ``kubernetes_validate.validate(doc, "1.28.0", strict=True)`` does per call, without re-reading the JSON
for every document. A missing schema fails the test, except for the custom resources listed in CRD_GROUPS (other
tests validate those against their CRD models or CRDs).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from packaging_helpers import SeedBuild, load_docs
from referencing import Registry, Resource

KUBERNETES_VERSION = "1.28.0"
SCHEMA_DIR = (
    Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"
)
# external-secrets.io and generators.external-secrets.io: tests/render/test_secret_sync.py, against the CRDs.
CRD_GROUPS = frozenset(
    {
        "cert-manager.io",
        "monitoring.coreos.com",
        "velero.io",
        "traefik.io",
        "external-secrets.io",
        "generators.external-secrets.io",
    }
)


class SchemaMissing(Exception):
    """No bundled schema for a kind and apiVersion."""


@cache
def _registry() -> Registry[Any]:
    definitions = json.loads((SCHEMA_DIR / "_definitions.json").read_text())
    registry: Registry[Any] = Resource.from_contents(definitions) @ Registry()
    return registry


def schema_file(kind: str, api_version: str) -> Path:
    """The bundled schema file, named as kubernetes_validate names it (``networking.k8s.io/v1`` -> networking-v1)."""
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return SCHEMA_DIR / f"{kind.lower()}-{api}.json"


@cache
def validator(kind: str, api_version: str) -> jsonschema.Draft202012Validator:
    """A cached strict validator for one kind and apiVersion."""
    path = schema_file(kind, api_version)
    if not path.is_file():
        raise SchemaMissing(f"no Kubernetes {KUBERNETES_VERSION} schema for {kind} {api_version}")
    return jsonschema.Draft202012Validator(json.loads(path.read_text()), registry=_registry())


def group(api_version: str) -> str:
    """The API group of an apiVersion ('' for the core group)."""
    return api_version.split("/")[0] if "/" in api_version else ""


def problems(doc: dict[str, Any]) -> list[str]:
    """Schema errors of one document; [] for a valid document or a skipped custom resource."""
    kind, api_version = str(doc.get("kind")), str(doc.get("apiVersion"))
    if group(api_version) in CRD_GROUPS:
        return []
    try:
        check = validator(kind, api_version)
    except SchemaMissing as exc:
        return [str(exc)]
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in check.iter_errors(doc)]


@pytest.fixture(scope="module")
def rendered_docs(seed_build: SeedBuild) -> list[tuple[str, dict[str, Any]]]:
    """(file, document) for every document under build/manifests and build/cluster."""
    out = []
    for folder in ("manifests", "cluster"):
        for path in sorted((seed_build.out / folder).rglob("*.yaml")):
            out += [(str(path.relative_to(seed_build.out)), doc) for doc in load_docs(path.read_text())]
    return out


def test_every_rendered_document_validates_against_kubernetes_1_28_strict(
    rendered_docs: list[tuple[str, dict[str, Any]]],
) -> None:
    docs = rendered_docs
    assert docs, "nothing rendered"
    failures = []
    for path, doc in docs:
        meta = doc.get("metadata", {})
        name = f"{path}: {doc.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"
        failures += [f"{name}: {p}" for p in problems(doc)]
    assert not failures, f"{len(failures)} schema failures:\n" + "\n".join(failures[:40])


def test_every_kind_is_checked_or_a_listed_custom_resource(rendered_docs: list[tuple[str, dict[str, Any]]]) -> None:
    kinds = {(d["apiVersion"], d["kind"]) for _, d in rendered_docs}
    unchecked = sorted(k for k in kinds if group(k[0]) in CRD_GROUPS)
    checked = sorted(k for k in kinds if group(k[0]) not in CRD_GROUPS)
    assert ("apps/v1", "Deployment") in checked or ("apps/v1", "StatefulSet") in checked
    assert all(group(api) in CRD_GROUPS for api, _ in unchecked)


def test_cached_validators_agree_with_kubernetes_validate() -> None:
    """The shortcut finds the same verdicts as the library call it replaces, on a valid and an invalid object."""
    good = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "x", "namespace": "y"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    bad = {**good, "spec": {"podSelector": {}, "policyType": ["Ingress"]}}  # unknown field: strict rejects it
    assert problems(good) == []
    kubernetes_validate.validate(good, KUBERNETES_VERSION, strict=True)
    assert problems(bad)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


def test_missing_schema_of_a_core_group_fails() -> None:
    removed = {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "x"}, "spec": {}}
    assert problems(removed) == ["no Kubernetes 1.28.0 schema for PodSecurityPolicy policy/v1beta1"]
    crd = {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "x"}}
    assert problems(crd) == []
