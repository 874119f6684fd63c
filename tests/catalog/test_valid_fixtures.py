"""Every catalog under ``tests/fixtures/valid/`` validates, and ``hearth plan --output json`` matches its file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from hearth.catalog.loader import load_catalog
from hearth.commands.plan import build_plan

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "valid"
PLATFORMS = sorted(p for p in VALID.iterdir() if p.is_dir())


def test_the_fixture_platforms_are_there() -> None:
    assert [p.name for p in PLATFORMS] == ["chart", "minimal", "provider-consumer", "web"]


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.name for p in PLATFORMS])
def test_validate_accepts(platform: Path, hearth: Callable[..., Result]) -> None:
    result = hearth("validate", "--platform", str(platform))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    catalog = load_catalog(platform)
    assert result.stdout.startswith(f"valid: {len(catalog.components)} components in ")
    assert result.stdout.rstrip().endswith(f"({catalog.platform.name})")


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.name for p in PLATFORMS])
def test_plan_json_matches_expected(platform: Path, hearth: Callable[..., Result]) -> None:
    result = hearth("plan", "--output", "json", "--platform", str(platform))
    assert result.exit_code == 0, result.output
    expected = (platform / "expected-plan.json").read_text(encoding="utf-8")
    assert result.stdout == expected
    assert json.loads(result.stdout) == build_plan(load_catalog(platform), None)


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.name for p in PLATFORMS])
def test_fixture_layout(platform: Path) -> None:
    """Each fixture is a tiny platform: platform.yaml and 1-6 files at services/<namespace>/<name>.yaml."""
    catalog = load_catalog(platform)
    files = sorted((platform / "services").rglob("*.yaml"))
    assert 1 <= len(files) <= 6
    assert {f.relative_to(platform).as_posix() for f in files} == {
        f"services/{c.namespace}/{c.name}.yaml" for c in catalog.components.values()
    }


def test_fixtures_cover_the_catalog_features() -> None:
    catalogs = {p.name: load_catalog(p) for p in PLATFORMS}
    assert len(catalogs["minimal"].components) == 1
    pc = catalogs["provider-consumer"].components
    assert "postgres" in pc["notes"].needs and "postgres" in pc["postgres"].capabilities()
    assert any(c.install.method == "chart" and c.install.pods for c in catalogs["chart"].components.values())
    web = catalogs["web"].components.values()
    assert {c.web.sso for c in web if c.web} == {"oidc", "forward-auth", "none"}
    assert {c.backup.method for c in web if c.backup} >= {"dump", "volume", "none"}
    assert any(c.sidecars for c in web)
