"""``hearth check``'s observability section: scraped, alerted, logs collected, backups alerted, from the build.

On the seed build, and on copies of it (or of the compliant fixture) with one manifest taken away, so that each
verdict is shown to follow from the manifests: a monitor removed, a policy removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.observability import Observability
from hearth.verify.report import run_check

COMPLIANT = Path(__file__).resolve().parents[1] / "fixtures" / "check" / "compliant"


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("obs") / "build"
    render(load_catalog(None), out)
    return out


def _without(build: Path, tmp_path: Path, rel: str, drop: Callable[[dict[str, Any]], bool]) -> Path:
    """A copy of ``build`` whose file ``rel`` lacks the documents ``drop`` picks."""
    out = tmp_path / "build"
    shutil.copytree(build, out)
    path = out / rel
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    kept = [d for d in docs if not drop(d)]
    assert len(kept) < len(docs), f"nothing dropped from {rel}"
    path.write_text(yaml.safe_dump_all(kept), encoding="utf-8")
    for stamp in (".hearth-build", ".hearth-index"):  # edited by hand now: audited as it is, not against its index
        (out / stamp).unlink(missing_ok=True)
    return out


def _section(build: Path) -> Observability:
    section: Observability = run_check(build).section("observability")
    return section


def _kind_name(kind: str, name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda d: d.get("kind") == kind and d["metadata"]["name"] == name


def test_seed_every_component_with_metrics_is_scraped_and_logged(seed_build: Path) -> None:
    section = _section(seed_build)
    assert not section.failed
    assert section.collectors == ["service/alloy-alloy"]
    rows = {c.component: c for c in section.components}
    assert all(c.is_scraped for c in rows.values() if c.metrics)
    assert all(not c.logs for c in rows.values())
    assert len(section.namespaces) == 12 and not any(section.namespaces.values())
    assert rows["logging"].scraped == ["PodMonitor service/logging -> service/logging-loki:3100"]
    assert "LoggingTargetDown" in rows["logging"].alerts
    assert rows["monitoring"].by_chart and not rows["monitoring"].scraped
    assert not rows["stalwart"].metrics
    backups = {b.name: b.alerts for b in section.backups}
    assert "PostgresqlBackupLate" in backups["db/postgresql-backup"]
    assert "KubernetesStateBackupLate" in backups["service/kubernetes-state"]
    assert all(backups.values())


def test_seed_warns_for_metrics_without_an_alert(seed_build: Path) -> None:
    """Components scraped only by their chart's own monitor have no job in the build, so no alert names them."""
    warnings = _section(seed_build).warnings
    assert "monitoring: has metrics but no alert" in warnings


def test_a_component_losing_its_monitor_fails(seed_build: Path, tmp_path: Path) -> None:
    build = _without(seed_build, tmp_path, "manifests/logging.yaml", _kind_name("PodMonitor", "logging"))
    section = _section(build)
    assert section.failed
    (row,) = [c for c in section.components if c.component == "logging"]
    assert row.metrics and not row.scraped
    assert row.unscraped == "no ServiceMonitor or PodMonitor selects its pods on a port they declare"


def test_a_monitor_the_policy_blocks_does_not_count(seed_build: Path, tmp_path: Path) -> None:
    """With Loki's own policy gone the namespace's default deny holds: Prometheus may not scrape it."""
    build = _without(
        seed_build, tmp_path, "manifests/logging-network.yaml", _kind_name("NetworkPolicy", "logging-loki")
    )
    section = _section(build)
    assert section.failed
    (row,) = [c for c in section.components if c.component == "logging"]
    assert row.unscraped.startswith("PodMonitor service/logging selects service/logging-loki:3100, but no scraper")


def test_logs_are_not_collected_when_the_collector_cannot_reach_its_store(seed_build: Path, tmp_path: Path) -> None:
    build = _without(seed_build, tmp_path, "manifests/alloy-network.yaml", _kind_name("NetworkPolicy", "alloy-alloy"))
    section = _section(build)
    # Without its policy Alloy itself is not scraped either (that fails); its store is out of reach (a warning).
    assert [c.component for c in section.components if c.metrics and not c.is_scraped] == ["alloy"]
    assert {c.logs for c in section.components} == {
        "service/alloy-alloy may not reach service/logging-loki on 3100/TCP"
    }
    assert section.namespaces["social"] == ["stalwart", "stoat"]


def test_compliant_fixture_losing_its_monitor_fails(tmp_path: Path) -> None:
    before = _section(COMPLIANT)
    assert not before.failed and [c.component for c in before.components if c.is_scraped] == ["db"]
    build = _without(COMPLIANT, tmp_path, "manifests/db.yaml", lambda d: d.get("kind") == "ServiceMonitor")
    assert _section(build).failed
