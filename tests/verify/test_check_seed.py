"""``hearth check`` on the real seed build: rendered from the packaged catalog into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.report import SECTIONS, CheckReport, run_check


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed platform rendered as `hearth render --out` writes it."""
    out = tmp_path_factory.mktemp("seed") / "build"
    render(load_catalog(None), out)
    return out


@pytest.fixture(scope="module")
def seed_report(seed_build: Path) -> CheckReport:
    """The check report of the seed build."""
    return run_check(seed_build)


def test_all_five_sections_are_present(seed_report: CheckReport) -> None:
    """Every section is computed and serialised, with a status and a summary."""
    data = seed_report.to_json()
    sections = data["sections"]
    assert isinstance(sections, dict) and list(sections) == list(SECTIONS)
    for key in SECTIONS:
        assert sections[key]["status"] in ("pass", "warn", "fail")
        assert sections[key]["summary"]
    assert seed_report.dumps() == run_check(seed_report.build_dir).dumps()


def test_no_extra_and_no_missing_flows(seed_report: CheckReport) -> None:
    """Zero trust on the seed: every allowed flow is intended and every intended flow is allowed."""
    assert [str(f.flow) for f in seed_report.zero_trust.extra] == []
    assert [str(f.flow) for f in seed_report.zero_trust.missing] == []


def test_intent_resolves(seed_report: CheckReport) -> None:
    """Every connects-to, route, monitor and DNS intent of the seed resolves to pods and ports."""
    assert seed_report.zero_trust.unresolved == []
    assert seed_report.zero_trust.missing == []


def test_statements_measure_the_document(seed_report: CheckReport) -> None:
    """Node totals hold; the stated dependency chain is contradicted by Authentik needing the databases."""
    verdicts = {s.key: s for s in seed_report.statements.statements}
    for key in ("nodes.cpu_total", "nodes.memory_total", "nodes.disk_total"):
        assert verdicts[key].holds, verdicts[key]
    chain = verdicts["dependency-chain"]
    assert chain.holds is False
    assert {"earlier": "authentik", "earlier_step": 6, "needs": "postgresql", "later_step": 7} in chain.items
