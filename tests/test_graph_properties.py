"""Properties of the dependency graph on random graphs, checked against simple reference computations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.graph import DependencyGraph, find_cycle

TAG_POOL = ["base", "databases", "apps", "blue", "green"]


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 9) -> DependencyGraph:
    """A random acyclic graph: node i may only need nodes placed before it in a random order."""
    count = draw(st.integers(0, max_nodes))
    names = draw(st.permutations([f"c{i}" for i in range(count)]))
    needs = {name: draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else [] for i, name in enumerate(names)}
    durations = {name: draw(st.integers(0, 100)) for name in names}
    tags = {name: [name, *draw(st.lists(st.sampled_from(TAG_POOL), max_size=2))] for name in names}
    return DependencyGraph(needs=needs, durations=durations, tags=tags)


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, list[str]]:
    """A random directed graph, cycles and self-loops allowed, with an occasional unknown name."""
    names = [f"n{i}" for i in range(draw(st.integers(0, 8)))]
    targets = st.sampled_from([*names, "unknown"])
    return {name: draw(st.lists(targets, max_size=3)) for name in names}


def has_cycle(needs: Mapping[str, Sequence[str]]) -> bool:
    """Reference: Kahn's algorithm leaves nodes behind exactly when there is a cycle."""
    edges = {n: {d for d in deps if d in needs} for n, deps in needs.items()}
    remaining = dict(edges)
    while True:
        ready = [n for n, deps in remaining.items() if not deps & remaining.keys()]
        if not ready:
            return bool(remaining)
        for n in ready:
            del remaining[n]


def all_paths(g: DependencyGraph, names: set[str]) -> list[list[str]]:
    """Every chain [first, ..., last] inside ``names`` where each element needs the one before it."""
    dependents: dict[str, list[str]] = {n: [] for n in names}
    for n in names:
        for d in g.needs[n]:
            if d in names:
                dependents[d].append(n)
    paths: list[list[str]] = []

    def extend(path: list[str]) -> None:
        paths.append(path)
        for nxt in dependents[path[-1]]:
            extend([*path, nxt])

    for start in names:
        extend([start])
    return paths


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_find_cycle_finds_a_cycle_exactly_when_there_is_one(needs: dict[str, list[str]]) -> None:
    cycle = find_cycle(needs)
    assert bool(cycle) == has_cycle(needs)
    if cycle:
        assert cycle[0] == cycle[-1]
        body = cycle[:-1]
        assert len(set(body)) == len(body)
        assert body[0] == min(body)
        for a, b in pairwise(cycle):
            assert b in needs[a]


@settings(max_examples=100, deadline=None)
@given(dags())
def test_each_component_deploys_after_its_needs(g: DependencyGraph) -> None:
    plan = g.plan()
    assert sorted(n for wave in plan.waves for n in wave) == plan.components == sorted(g.needs)
    for name, deps in g.needs.items():
        for dep in deps:
            assert plan.wave_of[name] > plan.wave_of[dep]
        # and no later than needed: one wave after its latest need
        assert plan.wave_of[name] == 1 + max((plan.wave_of[d] for d in deps), default=-1)
    for index, wave in enumerate(plan.waves):
        assert wave == sorted(wave) and wave
        assert all(plan.wave_of[n] == index for n in wave)


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_selection_with_needs_is_closed_and_without_is_exact(g: DependencyGraph, data: st.DataObject) -> None:
    tags = data.draw(st.lists(st.sampled_from(sorted(g.all_tags())), min_size=1, max_size=3)) if g.needs else []
    tagged = {n for n, t in g.tags.items() if set(tags) & set(t)}
    with_needs = g.select(tags)
    assert with_needs == sorted(with_needs)
    assert tagged <= set(with_needs)
    for name in with_needs:
        assert set(g.needs[name]) <= set(with_needs)
    assert set(with_needs) == tagged | g.dependencies(tagged)
    assert g.select(tags, with_needs=False) == sorted(tagged)


@settings(max_examples=100, deadline=None)
@given(dags(), st.text(min_size=1, max_size=8))
def test_unknown_tag_is_refused(g: DependencyGraph, tag: str) -> None:
    if tag in g.all_tags():
        return
    try:
        g.select([tag])
    except ValueError as exc:
        assert str(exc) == f"unknown tag {tag!r}"
    else:
        raise AssertionError("an unknown tag was accepted")


@settings(max_examples=100, deadline=None)
@given(dags(max_nodes=7), st.data())
def test_critical_path_is_the_longest_chain(g: DependencyGraph, data: st.DataObject) -> None:
    names = sorted(g.needs)
    chosen = set(names)
    if len(names) > 0 and data.draw(st.booleans(), label="a subset"):
        chosen = data.draw(st.sets(st.sampled_from(names)), label="selection")
    plan = g.plan(chosen)
    path = plan.critical_path
    assert set(path) <= chosen
    for before, after in pairwise(path):
        assert before in g.needs[after]
    assert sum(g.durations[n] for n in path) == plan.critical_seconds
    longest = max((sum(g.durations[n] for n in p) for p in all_paths(g, chosen)), default=0)
    assert plan.critical_seconds == longest


@settings(max_examples=100, deadline=None)
@given(dags())
def test_dependencies_and_dependents_mirror_each_other(g: DependencyGraph) -> None:
    for name in g.needs:
        for other in g.needs:
            assert (other in g.dependencies([name])) == (name in g.dependents([other]))
