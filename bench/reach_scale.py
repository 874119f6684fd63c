"""Whole-process ``hearth reach --allowed-only --output json`` on a synthetic platform of P pods under Q policies.

    .venv/bin/python bench/reach_scale.py [--components 1000] [--pods-per-component 5] [--runs 3]

Issue 15's goal: 5,000 pods under 2,000 NetworkPolicies within 30 s and 2 GiB. The platform is
``bench_reach.synthetic_platform`` (two policies per component) with each Deployment replaced by that many bare
Pods carrying its labels, so every pod is an endpoint of its own. Each run is a fresh process; the script prints the
median wall time, the peak resident memory (``ru_maxrss`` of the child) and the JSON's size, beside a peer measured
in the same run: the same process parsing the same manifests with PyYAML's C loader and nothing else. Prints
figures only; never asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reach import synthetic_platform

HEARTH = [sys.executable, "-m", "hearth"]


def _pods(docs: list[dict[str, Any]], per_component: int) -> list[dict[str, Any]]:
    """``docs`` with each Deployment replaced by ``per_component`` Pods of its pod template."""
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc["kind"] != "Deployment":
            out.append(doc)
            continue
        template = doc["spec"]["template"]
        for i in range(per_component):
            meta = {"name": f"{doc['metadata']['name']}-{i}", "namespace": doc["metadata"]["namespace"]}
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {**meta, **template["metadata"]},
                    **{"spec": template["spec"]},
                }
            )
    return out


def _run(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KiB, and bytes written to stdout, of one child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)}: exit {child.returncode}: {err.read().decode()[-400:]}")
        return wall, usage.ru_maxrss, out.seek(0, os.SEEK_END)


def main() -> None:
    """Write the platform once, then time the peer and hearth reach alternately."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument("--pods-per-component", type=int, default=5)
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    docs = _pods(synthetic_platform(args.components, args.namespaces), args.pods_per_component)
    pods = sum(1 for d in docs if d["kind"] == "Pod")
    policies = sum(1 for d in docs if d["kind"] == "NetworkPolicy")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "platform.yaml"
        path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        peer = [sys.executable, "-c", f"import yaml; list(yaml.load_all(open({str(path)!r}), Loader=yaml.CSafeLoader))"]
        reach = [*HEARTH, "reach", str(path), "--allowed-only", "--output", "json", "--quiet"]
        times: dict[str, list[float]] = {"peer": [], "reach": []}
        size = peak = 0
        for _ in range(args.runs):
            times["peer"].append(_run(peer)[0])
            wall, rss, size = _run(reach)
            times["reach"].append(wall)
            peak = max(peak, rss)
    print(f"synthetic platform: {pods} pods, {policies} NetworkPolicies, {args.namespaces} namespaces")
    print(f"peer (parse the manifests with PyYAML's C loader): median {statistics.median(times['peer']):.2f} s")
    print(
        f"hearth reach --allowed-only --output json: median {statistics.median(times['reach']):.2f} s over "
        f"{args.runs} runs, {size / 1e6:.1f} MB of JSON"
    )
    print(f"peak resident memory of hearth reach: {peak / 1024:.0f} MiB (goal: 30 s, 2 GiB; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
