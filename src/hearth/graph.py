"""The dependency graph: deploy waves, the critical path, and tag selection.

An edge ``a -> b`` means "a needs b", so b is deployed first. Everything here is deterministic: ties are
broken by name, so two runs over the same catalog print the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Catalog

GROUP_TAGS = ("base", "databases", "apps")


def find_cycle(needs: Mapping[str, Sequence[str]]) -> list[str]:
    """Return one dependency cycle as ``[a, b, ..., a]`` (smallest start name first), or [] when acyclic.

    Unknown names in ``needs`` are ignored here; the loader reports them separately.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(needs, white)
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        colour[node] = grey
        stack.append(node)
        for nxt in sorted(needs[node]):
            if nxt not in colour:
                continue
            if colour[nxt] == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return []

    for start in sorted(needs):
        if colour[start] == white:
            cycle = visit(start)
            if cycle:
                body = cycle[:-1]
                pivot = body.index(min(body))
                body = body[pivot:] + body[:pivot]
                return [*body, body[0]]
    return []


@dataclass(frozen=True)
class OrderConflict:
    """A stated order puts ``later`` after ``earlier``'s step, yet ``earlier`` needs ``later``."""

    order: str
    earlier: str
    earlier_step: int
    later: str
    later_step: int

    def __str__(self) -> str:
        return (
            f"{self.order}: {self.earlier} (step {self.earlier_step}) needs {self.later}, "
            f"which the stated order puts later (step {self.later_step})"
        )


@dataclass(frozen=True)
class Plan:
    """What deploying a selection of components means: its waves and its critical path."""

    components: list[str]
    waves: list[list[str]]
    wave_of: dict[str, int]
    critical_path: list[str]
    critical_seconds: int


class DependencyGraph:
    """The catalog's components and what each needs, with the derived orderings."""

    def __init__(
        self,
        needs: Mapping[str, Sequence[str]],
        durations: Mapping[str, int],
        tags: Mapping[str, Iterable[str]],
    ) -> None:
        cycle = find_cycle(needs)
        if cycle:
            raise ValueError("dependency cycle: " + " -> ".join(cycle))
        self.needs = {name: sorted(deps) for name, deps in needs.items()}
        self.durations = dict(durations)
        self.tags = {name: sorted(set(t)) for name, t in tags.items()}

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> DependencyGraph:
        """Build the graph of a loaded catalog; each component's tags include its name and namespace.

        Besides what each component states, everything is ordered after the providers of capabilities every
        component needs (``namespaces``): those are deploy-order edges, not connections.
        """
        comps = catalog.components
        first = {n for n, c in comps.items() if any(CAPABILITIES[cap].everyone_needs for cap in c.capabilities())}
        return cls(
            needs={n: sorted(set(c.needs) | (first - {n})) for n, c in comps.items()},
            durations={n: c.startup_seconds for n, c in comps.items()},
            tags={n: [n, c.namespace, *c.tags] for n, c in comps.items()},
        )

    def dependencies(self, names: Iterable[str]) -> set[str]:
        """Every component the given ones need, directly or through others (not including themselves)."""
        seen: set[str] = set()
        todo = [d for n in names for d in self.needs[n]]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self.needs[name])
        return seen

    def dependents(self, names: Iterable[str]) -> set[str]:
        """Every component that needs one of the given ones, directly or through others."""
        wanted = set(names)
        return {n for n in self.needs if n not in wanted and self.dependencies([n]) & wanted}

    def all_tags(self) -> set[str]:
        """Every tag a selection may name."""
        return {t for tags in self.tags.values() for t in tags}

    def select(self, tags: Iterable[str] | None, with_needs: bool = True) -> list[str]:
        """Components carrying any of ``tags`` (all when None), plus their transitive needs unless told not.

        Raises ValueError naming an unknown tag, so a typo selects nothing silently.
        """
        if tags is None:
            return sorted(self.needs)
        wanted = set(tags)
        unknown = sorted(wanted - self.all_tags())
        if unknown:
            raise ValueError(f"unknown tag {unknown[0]!r}")
        chosen = {n for n, t in self.tags.items() if wanted & set(t)}
        if with_needs:
            chosen |= self.dependencies(chosen)
        return sorted(chosen)

    def order_conflicts(self, order: str, steps: Sequence[Sequence[str]]) -> list[OrderConflict]:
        """Every stated need that a stated order contradicts (steps name components or tags, counted from 1).

        A component belongs to the first step that names it (or one of its tags); components no step names are
        not judged.
        """
        step_of: dict[str, int] = {}
        for number, step in enumerate(steps, start=1):
            for name in self.select(step, with_needs=False):
                step_of.setdefault(name, number)
        return [
            OrderConflict(order, name, step_of[name], need, step_of[need])
            for name in sorted(step_of)
            for need in self.needs[name]
            if need in step_of and step_of[need] > step_of[name]
        ]

    def plan(self, names: Iterable[str] | None = None) -> Plan:
        """Waves (wave N holds what depends only on waves before it) and the critical path, for a selection.

        Needs outside the selection are taken as already deployed, as with ``--no-deps``.
        """
        chosen = sorted(self.needs) if names is None else sorted(set(names))
        inside = set(chosen)
        wave_of: dict[str, int] = {}
        finish: dict[str, int] = {}
        via: dict[str, str | None] = {}

        def settle(name: str) -> None:
            if name in wave_of:
                return
            deps = [d for d in self.needs[name] if d in inside]
            for dep in deps:
                settle(dep)
            wave_of[name] = 1 + max((wave_of[d] for d in deps), default=-1)
            slowest = max(deps, key=lambda d: (finish[d], d), default=None)
            via[name] = slowest
            finish[name] = self.durations[name] + (finish[slowest] if slowest else 0)

        for name in chosen:
            settle(name)
        waves: list[list[str]] = [[] for _ in range(1 + max(wave_of.values(), default=-1))]
        for name in chosen:
            waves[wave_of[name]].append(name)
        path: list[str] = []
        end = max(chosen, key=lambda n: (finish[n], n), default=None)
        total = finish[end] if end else 0
        while end is not None:
            path.append(end)
            end = via[end]
        return Plan(chosen, waves, wave_of, list(reversed(path)), total)
