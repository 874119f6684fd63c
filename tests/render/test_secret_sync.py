"""Synced Secrets: every ExternalSecret, SecretStore and VaultDynamicSecret hearth renders is valid against the
CRD of the pinned External Secrets Operator (tests/fixtures/upstream/external-secrets, chart 2.9.0), and every
Secret a seed chart's credentials name is the target of exactly one ExternalSecret reading the consumer's path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.render.model import Manifest
from hearth.render.platform import render_platform
from hearth.render.secrets import secret_paths
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

CRDS = Path(__file__).parents[1] / "fixtures" / "upstream" / "external-secrets"
KINDS = {"ExternalSecret", "SecretStore", "VaultDynamicSecret"}


def _strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` wherever it lists properties and keeps no unknown fields."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def _schemas() -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            out[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return out


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog())


@pytest.fixture(scope="module")
def synced(seed: Resolved) -> list[Manifest]:
    platform = render_platform(seed)
    return [m for chart in platform.charts.values() for m in chart.manifests if m["kind"] in KINDS]


def test_fixture_holds_the_rendered_kinds() -> None:
    assert {kind for _, kind in _schemas()} == KINDS


def test_every_synced_object_is_valid_against_its_crd(synced: list[Manifest]) -> None:
    schemas = _schemas()
    assert {m["kind"] for m in synced} == KINDS
    for manifest in synced:
        schema = schemas[(manifest["apiVersion"], manifest["kind"])]
        jsonschema.validate(manifest, schema)


def test_the_strict_schema_refuses_an_unknown_key(synced: list[Manifest]) -> None:
    """The check can fail: a misspelt field of an ExternalSecret is refused."""
    schemas = _schemas()
    broken = copy.deepcopy(next(m for m in synced if m["kind"] == "ExternalSecret"))
    broken["spec"]["target"]["creationPolicy "] = "Owner"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schemas[(broken["apiVersion"], broken["kind"])])


def test_every_named_secret_is_synced_from_the_consumers_own_path(seed: Resolved, synced: list[Manifest]) -> None:
    targets = {
        (m["metadata"]["namespace"], m["spec"]["target"]["name"]): m for m in synced if m["kind"] == "ExternalSecret"
    }
    stores = {(m["metadata"]["namespace"], m["metadata"]["name"]): m for m in synced if m["kind"] == "SecretStore"}
    generators = {
        (m["metadata"]["namespace"], m["metadata"]["name"]): m for m in synced if m["kind"] == "VaultDynamicSecret"
    }
    named = 0
    for component in seed.catalog.components.values():
        paths = secret_paths(seed, component)
        for credential in component.credentials:
            if credential.delivery != "secret":
                continue
            named += 1
            external = targets[(component.namespace, credential.secret)]
            assert set(external["spec"]["target"]["template"]["data"]) == set(credential.variables)
            store = stores[(component.namespace, external["spec"]["secretStoreRef"]["name"])]
            assert store["spec"]["provider"]["vault"]["auth"]["kubernetes"]["role"] == component.name
            path = paths[credential.source]
            (source,) = external["spec"]["dataFrom"]
            if "extract" in source:
                assert f"kv/data/{source['extract']['key']}" == path
            else:
                generator = generators[(component.namespace, source["sourceRef"]["generatorRef"]["name"])]
                assert generator["spec"]["path"] == path
    assert named == len(targets) == 18, "every Secret the seed's charts name"


def _key_refs(data: Any) -> list[tuple[str, str]]:
    """(Secret, key) of every ``secretKeyRef`` in an upstream chart's values."""
    if isinstance(data, list):
        return [ref for item in data for ref in _key_refs(item)]
    if not isinstance(data, dict):
        return []
    out = [(str(data["secretKeyRef"]["name"]), str(data["secretKeyRef"]["key"]))] if "secretKeyRef" in data else []
    return out + [ref for value in data.values() for ref in _key_refs(value)]


def test_every_key_a_chart_reads_from_a_synced_secret_is_templated(seed: Resolved) -> None:
    """A ``secretKeyRef`` in a chart's values that names a synced Secret names one of the keys its ExternalSecret
    writes (a key the sync does not write would leave the variable unset, or the pod in CreateContainerConfigError)."""
    platform = render_platform(seed)
    checked = 0
    for name, release in platform.upstream.items():
        keys = {c.secret: set(c.variables) for c in seed.catalog.components[name].credentials if c.delivery == "secret"}
        for secret, key in _key_refs(release.values):
            if secret in keys:
                checked += 1
                assert key in keys[secret], f"{name}: {secret} has no key {key!r} (it has {sorted(keys[secret])})"
    assert checked >= 6, "coder's database URL and kestra's login and bucket keys at least"
