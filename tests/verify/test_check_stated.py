"""Stated tools and tunnel addresses: the seed's Promtail and its fixed 10.99.0.10-12, against the build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.build.audit import load_build
from hearth.verify.statements.stated import tool_statements, tunnel_statement


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stated") / "build"
    render(load_catalog(None), out)
    return out


def test_promtail_is_contradicted_by_the_collector_the_build_runs(seed_build: Path) -> None:
    build = load_build(seed_build)
    assert build.claims is not None
    statement, store = tool_statements(build.claims, build)
    assert (statement.stated, statement.computed, statement.verdict) == ("promtail", "alloy", "contradicted")
    assert "service/alloy-alloy run docker.io/grafana/alloy:" in statement.detail
    # The secrets store is OpenBao (Vault's API, and the static seal the seed's auto-unseal needs), not Vault.
    assert (store.key, store.stated, store.computed, store.verdict) == (
        "secrets-store",
        "vault",
        "openbao",
        "contradicted",
    )
    assert "service/vault-server run quay.io/openbao/openbao:" in store.detail


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("alloy", "holds"), ("Alloy", "holds"), ("promtail", "contradicted"), ("fluent-bit", "contradicted")],
)
def test_a_tool_holds_only_when_the_role_runs_it(seed_build: Path, value: str, verdict: str) -> None:
    build = load_build(seed_build)
    claims = {"stated_tools": [{"role": "log-collector", "claim": "c", "value": value}]}
    assert [s.verdict for s in tool_statements(claims, build)] == [verdict]


def test_a_role_nobody_carries_is_not_computed(seed_build: Path) -> None:
    build = load_build(seed_build)
    claims = {"stated_tools": [{"role": "trace-collector", "claim": "Tempo", "value": "tempo"}]}
    assert [s.verdict for s in tool_statements(claims, build)] == ["not computed"]


def test_the_fixed_tunnel_addresses_are_contradicted(seed_build: Path) -> None:
    """Pangolin allocates site addresses; the gateway files mention the seed's only in a comment."""
    build = load_build(seed_build)
    assert build.claims is not None
    assert "10.99.0.10" in (seed_build / "gateway/config/config.yml").read_text(encoding="utf-8")
    (statement,) = tunnel_statement(build.claims, build)
    assert statement.verdict == "contradicted"
    assert statement.computed == "allocated by the tunnel server"


def test_addresses_set_in_the_gateway_files_hold(seed_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "build"
    shutil.copytree(seed_build, copy)
    sites = {"sites": [{"name": n, "address": f"10.99.0.{i}/32"} for n, i in (("m", 10), ("w1", 11), ("w2", 12))]}
    (copy / "gateway/sites.yml").write_text(yaml.safe_dump(sites), encoding="utf-8")
    build = load_build(copy)
    assert build.claims is not None
    (statement,) = tunnel_statement(build.claims, build)
    assert statement.verdict == "holds"
