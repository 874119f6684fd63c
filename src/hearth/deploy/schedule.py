"""Scheduling releases by their needs: the engine's priority, and simulations of it and of helmfile's waves.

The engine starts a release the moment its own needs are done (up to the concurrency), picking among ready
releases the one with the longest remaining path through its dependants first, so the critical path is never
kept waiting for a slot. The simulations run the same policy on given durations, for the benchmark and tests.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def topological(needs: Mapping[str, Sequence[str]]) -> list[str]:
    """Every key after what it needs (needs outside the mapping ignored); ties in the mapping's own order."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        for dep in needs[key]:
            if dep in needs:
                visit(dep)
        order.append(key)

    for key in needs:
        visit(key)
    return order


def remaining(needs: Mapping[str, Sequence[str]], durations: Mapping[str, float]) -> dict[str, float]:
    """Each key's own duration plus the longest chain of dependants after it: how urgent it is to start."""
    dependants: dict[str, list[str]] = {k: [] for k in needs}
    for key, deps in needs.items():
        for dep in deps:
            if dep in dependants:
                dependants[dep].append(key)
    tail: dict[str, float] = {}
    for key in reversed(topological(needs)):
        tail[key] = durations[key] + max((tail[d] for d in dependants[key]), default=0.0)
    return tail


def critical_path(needs: Mapping[str, Sequence[str]], durations: Mapping[str, float]) -> float:
    """The longest chain of needs, in seconds: no schedule can finish sooner."""
    return max(remaining(needs, durations).values(), default=0.0)


@dataclass(frozen=True)
class Simulation:
    """When each key starts and ends, and when the last one ends."""

    start: dict[str, float]
    end: dict[str, float]

    @property
    def makespan(self) -> float:
        """When the last release is done."""
        return max(self.end.values(), default=0.0)


def simulate(needs: Mapping[str, Sequence[str]], durations: Mapping[str, float], concurrency: int) -> Simulation:
    """The engine's policy on fixed durations: start what is ready, longest remaining path first, up to N at once."""
    inside = {k: [d for d in deps if d in needs] for k, deps in needs.items()}
    urgency = remaining(inside, durations)
    position = {k: i for i, k in enumerate(needs)}
    missing = {k: len(deps) for k, deps in inside.items()}
    dependants: dict[str, list[str]] = {k: [] for k in inside}
    for key, deps in inside.items():
        for dep in deps:
            dependants[dep].append(key)
    ready = [(-urgency[k], position[k], k) for k, n in missing.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    now = 0.0
    while ready or running:
        while ready and len(running) < max(1, concurrency):
            _, _, key = heapq.heappop(ready)
            start[key] = now
            heapq.heappush(running, (now + durations[key], key))
        now, key = heapq.heappop(running)
        end[key] = now
        for nxt in dependants[key]:
            missing[nxt] -= 1
            if missing[nxt] == 0:
                heapq.heappush(ready, (-urgency[nxt], position[nxt], nxt))
    return Simulation(start, end)


def waves(needs: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """helmfile's DAG groups: group N holds what needs only groups before it."""
    level: dict[str, int] = {}
    for key in topological(needs):
        level[key] = 1 + max((level[d] for d in needs[key] if d in needs), default=-1)
    out: list[list[str]] = [[] for _ in range(1 + max(level.values(), default=-1))]
    for key in needs:
        out[level[key]].append(key)
    return out


def simulate_waves(needs: Mapping[str, Sequence[str]], durations: Mapping[str, float], concurrency: int) -> Simulation:
    """helmfile's schedule: each group starts when the whole previous group is done, N releases at a time."""
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    now = 0.0
    for group in waves(needs):
        slots = [now] * max(1, concurrency)
        for key in group:
            slot = min(range(len(slots)), key=lambda i: slots[i])
            start[key] = slots[slot]
            end[key] = slots[slot] = slots[slot] + durations[key]
        now = max(end[k] for k in group)
    return Simulation(start, end)
