"""The dependency graph on small hand-made examples and on the ``web`` fixture platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.graph import DependencyGraph, find_cycle
from tools import RunHearth

WEB = Path(__file__).resolve().parent / "fixtures" / "valid" / "web"


def graph(needs: dict[str, list[str]], durations: dict[str, int] | None = None) -> DependencyGraph:
    return DependencyGraph(
        needs=needs,
        durations=durations or dict.fromkeys(needs, 10),
        tags={name: [name] for name in needs},
    )


def test_find_cycle_on_acyclic_graph_is_empty() -> None:
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) == []
    assert find_cycle({}) == []


def test_find_cycle_self_loop() -> None:
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_find_cycle_of_two_and_three_starts_at_smallest_name() -> None:
    assert find_cycle({"b": ["a"], "a": ["b"]}) == ["a", "b", "a"]
    assert find_cycle({"z": ["m"], "m": ["q"], "q": ["z"], "start": ["z"]}) == ["m", "q", "z", "m"]


def test_find_cycle_ignores_unknown_names() -> None:
    assert find_cycle({"a": ["ghost"], "b": ["a"]}) == []


def test_graph_refuses_a_cycle() -> None:
    with pytest.raises(ValueError, match=r"^dependency cycle: a -> b -> a$"):
        graph({"a": ["b"], "b": ["a"]})


def test_waves_and_critical_path() -> None:
    g = graph(
        {"db": [], "idp": ["db"], "app": ["idp", "db"], "cache": []}, {"db": 15, "idp": 30, "app": 5, "cache": 40}
    )
    plan = g.plan()
    assert plan.waves == [["cache", "db"], ["idp"], ["app"]]
    assert plan.wave_of == {"cache": 0, "db": 0, "idp": 1, "app": 2}
    assert plan.critical_path == ["db", "idp", "app"]
    assert plan.critical_seconds == 50


def test_plan_of_a_selection_takes_outside_needs_as_deployed() -> None:
    g = graph({"db": [], "idp": ["db"], "app": ["idp"]})
    plan = g.plan(["app", "idp"])
    assert plan.components == ["app", "idp"]
    assert plan.waves == [["idp"], ["app"]]
    assert plan.critical_seconds == 20


def test_plan_of_nothing() -> None:
    plan = graph({"a": []}).plan([])
    assert (plan.components, plan.waves, plan.critical_path, plan.critical_seconds) == ([], [], [], 0)


def test_dependencies_and_dependents() -> None:
    g = graph({"db": [], "idp": ["db"], "app": ["idp"], "other": []})
    assert g.dependencies(["app"]) == {"idp", "db"}
    assert g.dependencies(["db"]) == set()
    assert g.dependents(["db"]) == {"idp", "app"}
    assert g.dependents(["app"]) == set()


def test_select() -> None:
    g = graph({"db": [], "idp": ["db"], "app": ["idp"], "other": []})
    assert g.select(None) == ["app", "db", "idp", "other"]
    assert g.select(["app"]) == ["app", "db", "idp"]
    assert g.select(["app"], with_needs=False) == ["app"]
    with pytest.raises(ValueError, match=r"^unknown tag 'nope'$"):
        g.select(["app", "nope"])


def test_from_catalog_tags_each_component_with_name_namespace_and_tags() -> None:
    g = DependencyGraph.from_catalog(load_catalog(WEB))
    assert g.tags["wiki"] == ["apps", "wiki"]
    assert g.tags["postgres"] == ["databases", "db", "postgres"]
    assert g.needs["wiki"] == ["idp", "postgres"]
    assert g.durations["idp"] == 30
    assert g.select(["apps"], with_needs=False) == ["dashboard", "wiki"]
    assert g.select(["apps"]) == ["dashboard", "idp", "postgres", "wiki"]
    assert g.select(["auth"]) == ["idp", "postgres"]
    plan = g.plan()
    assert plan.waves == [["postgres"], ["idp"], ["dashboard", "wiki"]]
    assert plan.critical_path == ["postgres", "idp", "wiki"]
    assert plan.critical_seconds == 65


ORDER_CASES = [
    # (needs, tags, stated steps, expected conflicts as (earlier, step, later, step))
    ({"a": [], "b": ["a"]}, {}, [["a"], ["b"]], []),
    ({"a": [], "b": ["a"]}, {}, [["b"], ["a"]], [("b", 1, "a", 2)]),
    (
        {"db": [], "app": ["db"], "idp": ["db"]},
        {"db": ["databases"], "app": ["apps"]},
        [["idp"], ["databases"], ["apps"]],
        [("idp", 1, "db", 2)],
    ),
    ({"a": [], "b": ["a"], "c": ["b"]}, {}, [["c"], ["a"]], []),  # b is named by no step: not judged
]


@pytest.mark.parametrize(("needs", "tags", "steps", "expected"), ORDER_CASES)
def test_order_conflicts_name_every_contradicted_need(
    needs: dict[str, list[str]],
    tags: dict[str, list[str]],
    steps: list[list[str]],
    expected: list[tuple[str, int, str, int]],
) -> None:
    graph = DependencyGraph(needs, dict.fromkeys(needs, 1), {n: [n, *tags.get(n, [])] for n in needs})
    found = [(c.earlier, c.earlier_step, c.later, c.later_step) for c in graph.order_conflicts("chain", steps)]
    assert found == expected


def test_the_seed_dependency_chain_contradicts_authentik_needs(hearth: RunHearth) -> None:
    """The seed's chain puts Authentik before the databases it needs, and Vault before the cert-manager that
    issues its listener certificate; validate says so on stderr."""
    result = hearth("validate")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: stated order dependency-chain: authentik (step 6) needs postgresql, which the stated order puts "
        "later (step 7)",
        "warning: stated order dependency-chain: authentik (step 6) needs valkey, which the stated order puts "
        "later (step 7)",
        "warning: stated order dependency-chain: vault (step 4) needs cert-manager, which the stated order puts "
        "later (step 5)",
    ]
