"""Time ``hearth render`` on the seed platform, and ``helmfile template`` over the charts it generates.

    .venv/bin/python bench/bench_render.py [--runs N] [--platform DIR]

Prints figures only; never asserts on time. The render figure is load + resolve + render + package (in-process,
median of N runs), then the write of the build directory. The helmfile figure is one ``helmfile template`` over
the generated local charts (every hearth chart and every ``-hearth`` companion): upstream chart repositories are
not reachable offline, so their releases are left out of the helmfile it runs, as in tests/packaging.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render_files
from hearth.render.package.write import write_tree

REPO = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO / ".tools" / "bin"
HELM_CAPABILITIES = "--kube-version 1.28.0 " + " ".join(
    f"--api-versions {api}"
    for api in ("monitoring.coreos.com/v1", "cert-manager.io/v1", "traefik.io/v1alpha1", "velero.io/v1")
)


def find_tool(name: str) -> str | None:
    """``.tools/bin/NAME`` (installed by `make tools`), else NAME on PATH, else None."""
    local = TOOLS_BIN / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def timed(action: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    """Median and all timings of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def local_helmfile(build: Path, target: Path) -> int:
    """Write to ``target`` the helmfile of the local-chart releases of ``build``; return how many releases."""
    full = yaml.safe_load((build / "helmfile.yaml").read_text())
    local: list[dict[str, Any]] = [dict(r) for r in full["releases"] if str(r["chart"]).startswith("./")]
    kept = {f"{r['namespace']}/{r['name']}" for r in local}
    for release in local:
        release["chart"] = str(build / release["chart"])
        needs = [n for n in release.pop("needs", []) if n in kept]
        if needs:
            release["needs"] = needs
    target.write_text(yaml.safe_dump({"releases": local}, sort_keys=False))
    return len(local)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="render runs to take the median of (default 7)")
    parser.add_argument("--platform", type=Path, default=None, help="catalog directory (default: the seed)")
    args = parser.parse_args()

    files: dict[str, str] = {}

    def render_once() -> None:
        nonlocal files
        files = render_files(load_catalog(args.platform)).files

    median, times = timed(render_once, args.runs)
    charts = sum(1 for path in files if path.endswith("/Chart.yaml"))
    print(f"render (load+resolve+render+package), median of {args.runs}: {median * 1000:.0f} ms")
    print(f"  runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms; {len(files)} files, {charts} charts")

    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        build = Path(tmp) / "build"
        write_median, _ = timed(lambda: write_tree(files, build), args.runs)
        print(f"write_tree of the build directory, median of {args.runs}: {write_median * 1000:.0f} ms")

        helmfile, helm = find_tool("helmfile"), find_tool("helm")
        if helmfile is None or helm is None:
            print("helmfile template: skipped (helm or helmfile not found: run `make tools`)")
            return 0
        env = dict(os.environ)
        for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
            if not env.get(var):
                env[var] = str(Path(tmp) / var.lower())
        spec = Path(tmp) / "helmfile.yaml"
        releases = local_helmfile(build, spec)
        command = [helmfile, "--helm-binary", helm, "-f", str(spec), "template", "--skip-deps"]
        command += ["--args", HELM_CAPABILITIES]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            print(f"helmfile template: failed (exit {proc.returncode}): {proc.stderr.strip()[:500]}")
            return 1
        objects = sum(1 for d in yaml.safe_load_all(proc.stdout) if d is not None)
        print(f"helmfile template over {releases} local-chart releases: {elapsed * 1000:.0f} ms ({objects} objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
