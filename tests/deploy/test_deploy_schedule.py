"""The schedule policy on fixed durations: never worse than helmfile's waves, the critical path when slots allow."""

from __future__ import annotations

import pytest

from hearth.deploy.schedule import critical_path, simulate, simulate_waves

NEEDS = {"a": [], "b": ["a"], "c": ["a"], "d": ["b"], "e": []}
DURATIONS = {"a": 10.0, "b": 10.0, "c": 50.0, "d": 10.0, "e": 40.0}


@pytest.mark.parametrize(
    ("concurrency", "ours", "waves"),
    [(1, 120.0, 120.0), (2, 60.0, 100.0), (5, 60.0, 100.0)],
)
def test_makespan_against_waves(concurrency: int, ours: float, waves: float) -> None:
    assert simulate(NEEDS, DURATIONS, concurrency).makespan == ours
    assert simulate_waves(NEEDS, DURATIONS, concurrency).makespan == waves
    assert critical_path(NEEDS, DURATIONS) == 60.0


def test_a_release_starts_when_its_own_needs_end() -> None:
    run = simulate(NEEDS, DURATIONS, 5)
    assert run.start["d"] == run.end["b"] == 20.0
