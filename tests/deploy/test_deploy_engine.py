"""hearth apply's engine against a fake Kubernetes API and a fake helm: order, concurrency, failures, resuming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploykit import Cluster, crd, deployment, run_engine, write_build

from hearth.deploy.engine import Event
from hearth.deploy.gates import CrdsEstablished, ReleaseGates, RolledOut

# a <- b <- d, a <- c (slow), e alone (slow): d must not wait for c, as a wave-by-wave schedule would make it.
GRAPH = {"ns/a": [], "ns/b": ["ns/a"], "ns/c": ["ns/a"], "ns/d": ["ns/b"], "ns/e": []}
DURATIONS = {"ns/a": 0.1, "ns/b": 0.1, "ns/c": 1.0, "ns/d": 0.1, "ns/e": 0.8}


def spans(cluster: Cluster) -> dict[str, tuple[float, float]]:
    """Each release's helm upgrade, as (start, end)."""
    return {c["release"]: (c["start"], c["end"]) for c in cluster.calls("upgrade")}


def test_releases_start_as_soon_as_their_own_needs_are_done(cluster: Cluster, tmp_path: Path) -> None:
    build = write_build(tmp_path / "build", GRAPH)
    cluster.script({k: {"duration": d} for k, d in DURATIONS.items()})
    outcome = run_engine(cluster, build, concurrency=3)
    assert outcome.ok
    times = spans(cluster)
    for key, needs in GRAPH.items():
        for need in needs:
            assert times[key][0] >= times[need][1], f"{key} started before its need {need} was done"
    assert times["ns/d"][0] < times["ns/c"][1], "d waited for c, which it does not need"
    assert sorted(cluster.installs()) == sorted(GRAPH), "each release installed once"


@pytest.mark.parametrize("concurrency", [1, 2])
def test_never_more_releases_at_once_than_the_concurrency(cluster: Cluster, tmp_path: Path, concurrency: int) -> None:
    build = write_build(tmp_path / "build", {f"ns/r{i}": [] for i in range(4)})
    cluster.script({f"ns/r{i}": {"duration": 0.15} for i in range(4)})
    assert run_engine(cluster, build, concurrency=concurrency).ok
    times = list(spans(cluster).values())
    most = max(sum(1 for s, e in times if s <= t < e) for t, _ in times)
    assert most == concurrency


def test_a_failure_stops_its_dependants_and_no_others(cluster: Cluster, tmp_path: Path) -> None:
    build = write_build(tmp_path / "build", GRAPH)
    cluster.script({"ns/b": {"fail": "chart values rejected"}, "ns/c": {"duration": 0.2}})
    outcome = run_engine(cluster, build)
    states = {k: e.state for k, e in outcome.states.items()}
    assert states == {"ns/a": "done", "ns/b": "failed", "ns/c": "done", "ns/d": "blocked", "ns/e": "done"}
    assert "chart values rejected" in outcome.states["ns/b"].detail
    assert "ns/d" not in cluster.installs()
    assert not outcome.ok


def test_a_release_that_never_rolls_out_fails_with_its_pods_last_events(cluster: Cluster, tmp_path: Path) -> None:
    build = write_build(tmp_path / "build", {"ns/db": [], "ns/app": ["ns/db"]})
    cluster.script({"ns/db": {"objects": [deployment("db", ready=False)]}})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-1", "namespace": "ns", "labels": {"app": "db"}}}
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "db-1.1", "namespace": "ns"},
        "involvedObject": {"name": "db-1"},
        "reason": "BackOff",
        "message": "Back-off pulling image postgres:99",
        "lastTimestamp": "2026-01-01T00:00:00Z",
    }
    cluster.fake.put(pod)
    cluster.fake.put(event)
    gates = {k: ReleaseGates(after=[RolledOut()]) for k in build.releases}
    outcome = run_engine(cluster, build, gates, timeout=0.3)
    failed = outcome.states["ns/db"]
    assert failed.state == "failed"
    assert "Deployment db: 0/1 available" in failed.detail
    assert failed.events == ("ns/db-1: BackOff: Back-off pulling image postgres:99",)
    assert outcome.states["ns/app"].state == "blocked"


class Killed(BaseException):
    """Stands for SIGKILL: not an error of a release, it stops the whole run where it is."""


KILL_GRAPH = {"ns/operator": [], "ns/app": ["ns/operator"]}


def kill_build(cluster: Cluster, root: Path) -> tuple[Any, dict[str, ReleaseGates]]:
    build = write_build(root, KILL_GRAPH)
    cluster.script(
        {
            "ns/operator": {"objects": [deployment("operator")], "template": [crd("example.io")]},
            "ns/app": {"objects": [deployment("app")]},
        }
    )
    gates = {
        "ns/operator": ReleaseGates(after=[CrdsEstablished(("example.io",)), RolledOut()], crd_groups=("example.io",)),
        "ns/app": ReleaseGates(after=[RolledOut()]),
    }
    return build, gates


def test_every_step_of_a_clean_run_is_journalled(cluster: Cluster, tmp_path: Path) -> None:
    build, gates = kill_build(cluster, tmp_path / "build")
    steps: list[tuple[str, str]] = []
    assert run_engine(cluster, build, gates, concurrency=1, step_hook=lambda k, s: steps.append((k, s))).ok
    assert steps == [
        ("ns/operator", "journal-installing"),
        ("ns/operator", "crds"),
        ("ns/operator", "helm"),
        ("ns/operator", "journal-done"),
        ("ns/app", "journal-installing"),
        ("ns/app", "helm"),
        ("ns/app", "journal-done"),
    ]
    events: list[Event] = []
    assert run_engine(cluster, build, gates, events=events).ok
    assert {e.key: e.state for e in events} == {"ns/operator": "skipped", "ns/app": "skipped"}
    assert cluster.installs() == ["ns/operator", "ns/app"]


@pytest.mark.parametrize("kill_at", range(1, 8))
def test_a_kill_after_any_step_then_a_rerun_converges_installing_nothing_twice(
    cluster: Cluster, tmp_path: Path, kill_at: int
) -> None:
    build, gates = kill_build(cluster, tmp_path / "build")
    count = 0

    def kill(_: str, __: str) -> None:
        nonlocal count
        count += 1
        if count == kill_at:
            raise Killed

    with pytest.raises(Killed):
        run_engine(cluster, build, gates, concurrency=1, step_hook=kill)
    outcome = run_engine(cluster, build, gates)
    assert outcome.ok, outcome.states
    assert sorted(cluster.installs()) == sorted(KILL_GRAPH), "a release was installed twice"
    assert cluster.fake.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.io")


def test_changed_content_is_upgraded_once_and_the_rest_skipped(cluster: Cluster, tmp_path: Path) -> None:
    build = write_build(tmp_path / "build", KILL_GRAPH)
    assert run_engine(cluster, build).ok
    (tmp_path / "build" / "charts" / "app" / "values.yaml").write_text("replicas: 2\n")
    changed = write_build(tmp_path / "build", KILL_GRAPH)
    events: list[Event] = []
    assert run_engine(cluster, changed, events=events).ok
    assert {e.key: e.state for e in events if e.state in ("skipped", "done")} == {
        "ns/operator": "skipped",
        "ns/app": "done",
    }
    assert cluster.installs() == ["ns/operator", "ns/app", "ns/app"]
