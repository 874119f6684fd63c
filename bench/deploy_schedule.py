"""Schedule the seed platform's releases on simulated durations (the catalog's ``startup_seconds``).

Prints hearth's makespan (a release starts when its own needs are done, longest remaining path first) against the
critical path (no schedule can beat it) and against helmfile's wave-by-wave schedule on the same durations, for a
few concurrencies. Goal: makespan <= 1.02 x critical path.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.deploy.releases import estimated_seconds, load_build
from hearth.deploy.schedule import critical_path, simulate, simulate_waves

GOAL = 1.02


def main() -> int:
    """Print one line per concurrency; exit 1 when hearth misses the goal with enough slots for the graph."""
    catalog = load_catalog(None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        render(catalog, out)
        build = load_build(out)
    durations = estimated_seconds(build, {n: c.startup_seconds for n, c in catalog.components.items()})
    needs = {k: list(r.needs) for k, r in build.releases.items()}
    critical = critical_path(needs, durations)
    print(f"seed: {len(needs)} releases, critical path {critical:.0f}s")
    print(f"{'concurrency':>11} {'hearth':>8} {'x crit':>7} {'helmfile':>9} {'x crit':>7}")
    missed = False
    for concurrency in (2, 4, 8, 16, len(needs)):
        ours = simulate(needs, durations, concurrency).makespan
        waves = simulate_waves(needs, durations, concurrency).makespan
        print(f"{concurrency:>11} {ours:>7.0f}s {ours / critical:>7.3f} {waves:>8.0f}s {waves / critical:>7.3f}")
        if concurrency >= 8 and ours > GOAL * critical:
            missed = True
    print(f"goal: hearth <= {GOAL} x critical path from concurrency 8: {'missed' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
