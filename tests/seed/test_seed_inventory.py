"""`hearth plan --output json` lists the 42 components exactly as the seed's component inventory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from hearth.cli import app

from .seed_inventory import NEEDS_ADDED, NO_STORAGE_COLUMN, SEED_NAMES, SEED_ROWS


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    result = CliRunner().invoke(app, ["plan", "--output", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# Components the build has beyond the seed's rows, each for a reason the seed itself gives.
BEYOND_SEED = {
    "alloy": "the log collector of the seed's Logging section (Promtail's successor; Promtail is EOL)",
    "velero": "the seed's backup role installs it, though its table has no row for it",
    "external-secrets": "syncs the Secrets seven upstream charts name, the seed's stated exception for such charts",
}


# Needs that depart from the seed's Dependencies column, each with the order that makes it necessary: the seed's
# Vault serves TLS from a bootstrap issuer, so cert-manager comes first (vault.yaml listener_tls).
NEEDS_BEYOND_SEED = {
    "vault": (
        ["cert-manager", "consul", "traefik"],
        "its listener certificate comes from cert-manager's bootstrap CA, before Vault's own PKI exists",
    ),
    "cert-manager": ([], "its Vault ClusterIssuer turns Ready after hearth bootstrap; it deploys before Vault"),
}


def test_42_components(plan: dict[str, Any]) -> None:
    """The seed's 42 rows, plus the components of BEYOND_SEED."""
    assert len(SEED_ROWS) == 42
    names = sorted(c["name"] for c in plan["components"] if c["name"] not in BEYOND_SEED)
    assert names == sorted(SEED_NAMES[r[0]] for r in SEED_ROWS)
    assert set(BEYOND_SEED) <= {c["name"] for c in plan["components"]}


@pytest.mark.parametrize("row", SEED_ROWS, ids=[r[0] for r in SEED_ROWS])
def test_component_matches_seed_row(plan: dict[str, Any], row: tuple[str, str, str, str | None, str]) -> None:
    seed_name, namespace, version, storage, deps = row
    by_name = {c["name"]: c for c in plan["components"]}
    component = by_name[SEED_NAMES[seed_name]]
    assert component["display_name"] == seed_name
    assert component["namespace"] == namespace
    assert component["version"] == version
    if seed_name not in NO_STORAGE_COLUMN:
        assert component["storage"] == storage
    stated = [d.strip() for d in deps.split(",")] if deps != "-" else []
    expected = sorted(SEED_NAMES[d] for d in stated + NEEDS_ADDED.get(seed_name, []))
    expected = NEEDS_BEYOND_SEED.get(component["name"], (expected, ""))[0]
    assert component["needs"] == expected


def test_waves_respect_needs(plan: dict[str, Any]) -> None:
    wave = {c["name"]: c["wave"] for c in plan["components"]}
    for component in plan["components"]:
        for need in component["needs"]:
            assert wave[need] < component["wave"], (component["name"], need)


def test_tags_vault_includes_transitive_needs() -> None:
    # Vault needs Traefik, Consul (which needs Traefik) and cert-manager (its listener's bootstrap CA);
    # everything is deployed after the namespaces exist.
    result = CliRunner().invoke(app, ["plan", "--output", "json", "--tags", "vault"])
    assert result.exit_code == 0, result.output
    names = {c["name"] for c in json.loads(result.stdout)["components"]}
    assert names == {"vault", "traefik", "consul", "cert-manager", "namespaces"}


def test_tags_vault_no_deps() -> None:
    result = CliRunner().invoke(app, ["plan", "--output", "json", "--tags", "vault", "--no-deps"])
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in json.loads(result.stdout)["components"]] == ["vault"]


def test_tags_base_selects_base_infrastructure() -> None:
    result = CliRunner().invoke(app, ["plan", "--output", "json", "--tags", "base", "--no-deps"])
    assert result.exit_code == 0, result.output
    names = {c["name"] for c in json.loads(result.stdout)["components"]}
    base = {"namespaces", "traefik", "consul", "vault", "cert-manager", "authentik", "monitoring", "logging"}
    assert names == base | {"alloy", "external-secrets"}
