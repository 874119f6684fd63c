"""The catalog is learnable: every field of its models is described, the committed reference and schemas are
what the models generate, and the schemas accept every file of the seed and the blank catalog and refuse a typo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.catalog.reference import FILES, documentation_files, models_of, undocumented
from hearth.commands.init import blank_catalog_dir, catalog_files
from tools import REPO_ROOT, RunHearth

DOCS = REPO_ROOT / "docs"


def test_every_field_of_every_catalog_model_has_a_description() -> None:
    assert undocumented() == []


def test_the_description_check_can_fail() -> None:
    """``undocumented`` finds a field without description: the check above is not vacuous."""
    from hearth.catalog.docstrings import describe
    from hearth.catalog.fields import Strict

    class Probe(Strict):
        described: int = 1
        """a described field."""
        bare: int = 2

    describe([Probe])
    assert [f for f in Probe.model_fields if not Probe.model_fields[f].description] == ["bare"]
    assert Probe.model_json_schema()["properties"]["described"]["description"] == "a described field."


@pytest.mark.parametrize("relative", sorted(documentation_files()))
def test_the_committed_documentation_is_what_the_models_generate(relative: str) -> None:
    committed = DOCS / relative
    assert committed.is_file(), f"docs/{relative} missing: run `hearth schema --out docs`"
    assert committed.read_text(encoding="utf-8") == documentation_files()[relative], (
        f"docs/{relative} is stale: run `hearth schema --out docs`"
    )


def test_the_reference_names_every_field_of_every_model() -> None:
    text = documentation_files()["catalog-reference.md"]
    for root, _ in FILES.values():
        for model in models_of(root):
            section = text.split(f"### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
            for name, info in model.model_fields.items():
                assert f"| `{info.alias or name}` |" in section, f"{model.__name__}.{name}"


def _kind(relative: Path) -> str:
    return "component" if relative.parts[0] == "services" else relative.stem


def _catalog_documents(root: Path) -> list[tuple[str, Path, Any]]:
    return [
        (_kind(p.relative_to(root)), p, yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in sorted(root.rglob("*.yaml"))
    ]


@pytest.mark.parametrize("root", [default_catalog_dir(), blank_catalog_dir()], ids=["seed", "blank"])
def test_the_schemas_accept_every_catalog_file(root: Path) -> None:
    schemas = {kind: json.loads(documentation_files()[f"schema/{kind}.schema.json"]) for kind in FILES}
    documents = _catalog_documents(root)
    assert {kind for kind, _, _ in documents} >= {"platform", "component"}
    for kind, path, data in documents:
        errors = list(jsonschema.Draft202012Validator(schemas[kind]).iter_errors(data))
        assert not errors, f"{path}: {errors[0].message}"


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("platform", {"nmae": "typo"}),
        ("claims", {"stated_figures": [{"key": "k", "claim": "c", "value": 1, "extra": True}]}),
        ("component", {"name": "x", "display_name": "X", "namespace": "a", "version": "1", "replica": 2}),
    ],
)
def test_the_schemas_refuse_an_unknown_key(kind: str, data: dict[str, Any]) -> None:
    schema = json.loads(documentation_files()[f"schema/{kind}.schema.json"])
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data))


@pytest.mark.parametrize("blank", [False, True], ids=["seed", "blank"])
def test_init_writes_schema_lines_and_schemas_and_the_catalog_still_loads(
    tmp_path: Path, hearth: RunHearth, blank: bool
) -> None:
    target = tmp_path / "catalog"
    args = ("init", "--blank", str(target)) if blank else ("init", str(target))
    assert hearth(*args).exit_code == 0
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert written == set(catalog_files(blank))
    for path in target.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        schema = first.removeprefix("# yaml-language-server: $schema=")
        assert schema != first and (path.parent / schema).resolve().is_file(), path
    catalog = load_catalog(target)
    assert bool(catalog.claims.stated_figures) is not blank


def test_the_blank_platform_validates_and_renders_without_claims(tmp_path: Path, hearth: RunHearth) -> None:
    assert hearth("init", "--blank", "catalog", cwd=tmp_path).exit_code == 0
    assert not (tmp_path / "catalog" / "claims.yaml").exists()
    valid = hearth("validate", "--platform", "catalog", cwd=tmp_path)
    assert (valid.exit_code, valid.stderr) == (0, ""), valid.output
    rendered = hearth("render", "--platform", "catalog", "--out", "build", "-q", cwd=tmp_path)
    assert rendered.exit_code == 0, rendered.output
    claims = yaml.safe_load((tmp_path / "build" / "claims.yaml").read_text(encoding="utf-8"))
    assert claims["stated_figures"] == [] and claims["database_allocation"] == {}


def test_the_blank_platform_passes_check_with_its_namespaces_locked_down(tmp_path: Path, hearth: RunHearth) -> None:
    """A new user's first `hearth check` passes: the blank platform's namespaces get default deny and DNS."""
    assert hearth("init", "--blank", "catalog", cwd=tmp_path).exit_code == 0
    checked = hearth("check", "--platform", "catalog", "-o", "json", cwd=tmp_path)
    assert checked.exit_code == 0, checked.output
    rendered = hearth("render", "--platform", "catalog", "--out", "build", "-q", cwd=tmp_path)
    assert rendered.exit_code == 0, rendered.output
    policies = [
        doc
        for path in (tmp_path / "build" / "manifests").glob("*.yaml")
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc and doc["kind"] == "NetworkPolicy" and doc["metadata"]["namespace"] == "apps"
    ]
    assert {"default-deny", "allow-dns"} <= {p["metadata"]["name"] for p in policies}
