"""Time the reachability matrix over the rendered seed platform, and over a synthetic 2,000-component one.

    .venv/bin/python bench/bench_reach_seed.py [--runs 5] [--components 2000] [--build DIR]

Renders the packaged seed catalog into a temporary directory (or reads ``--build DIR``), loads ``manifests/`` and
``cluster/`` as ``hearth check`` does, and times the model build plus the full matrix with the control-plane IPs
as outside peers (goal: under 0.3 s). Also times the whole ``hearth check`` over the seed, and the matrix over
``bench_reach.synthetic_platform`` (same generator as bench/bench_reach.py). Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_reach import synthetic_platform, time_matrix
from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.build.audit import load_build
from hearth.verify.reach import build_matrix
from hearth.verify.report import run_check

GOAL_SECONDS = 0.3


def _median(times: Sequence[float]) -> str:
    return f"median {statistics.median(times):.3f}s over {len(times)} runs ({', '.join(f'{t:.3f}' for t in times)})"


def bench_seed(build_dir: Path, runs: int) -> None:
    """Print the matrix and the full check timings for one build directory."""
    build = load_build(build_dir)
    docs = [doc.obj for doc in build.documents]
    peers = build.control_plane_ips
    matrix = build_matrix(docs, None, peers)
    policies = sum(1 for doc in build.documents if doc.kind == "NetworkPolicy")
    print(f"seed platform: {len(matrix.endpoints)} endpoints, {policies} NetworkPolicies, peers {', '.join(peers)}")
    times = [time_matrix(docs, None, peers) for _ in range(runs)]
    verdict = "within" if statistics.median(times) < GOAL_SECONDS else "OVER"
    print(f"  model + full matrix: {_median(times)}: {verdict} the {GOAL_SECONDS}s goal")
    allowed = sum(1 for _ in matrix.allowed_flows())
    print(f"  allowed flows: {allowed}")
    checks = []
    for _ in range(runs):
        start = time.perf_counter()
        run_check(build_dir)
        checks.append(time.perf_counter() - start)
    print(f"  whole hearth check (load + five sections): {_median(checks)}")


def bench_synthetic(components: int, runs: int) -> None:
    """Print the matrix timing for the synthetic platform of bench_reach.py."""
    docs = synthetic_platform(components)
    policies = sum(1 for doc in docs if doc["kind"] == "NetworkPolicy")
    print(f"synthetic platform: {components} components, {policies} NetworkPolicies")
    times = [time_matrix(docs) for _ in range(runs)]
    print(f"  model + full matrix: {_median(times)}")


def main(argv: Sequence[str] | None = None) -> None:
    """Render (or read) the seed build and print the timings."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--components", type=int, default=2000)
    parser.add_argument("--build", type=Path, help="an existing build directory instead of rendering the seed")
    args = parser.parse_args(argv)
    if args.build is not None:
        bench_seed(args.build, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "build"
            render(load_catalog(None), out)
            bench_seed(out, args.runs)
    bench_synthetic(args.components, max(1, min(args.runs, 3)))


if __name__ == "__main__":
    main()
