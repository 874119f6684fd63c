"""How hearth's cost grows with the catalog: whole-process times and peak memory on catalogs of growing size.

    .venv/bin/python bench/scale.py [--sizes 50 500 2000] [--runs 3] [--reach]

Prints figures only; never asserts on time. Each catalog is the seed grown by cloning its hearth-installed apps
(every app file copied under a new name, host and namespace-local file name) until it holds N components. For each
N it runs, as separate processes (what an operator pays, imports included), ``hearth validate``, ``hearth render``
and ``hearth check --build``, then ``hearth build`` (the three in one process: issue 15's figure, and the growth
figures at the end are its), and reports the median wall time of ``--runs`` runs and the largest peak RSS (the
child's ``ru_maxrss``). Stage times inside one process (load, resolve, render, package, write, check) are
measured in-process too. The peer measured in the same run is the seed itself (the same commands on the
unmodified catalog), so figures from different machines or moments can be compared as ratios. At the end it
prints the growth exponent between consecutive sizes, log(t2/t1)/log(n2/n1): 1 is linear, 2 quadratic.

``--reach`` adds ``hearth reach --allowed-only --output json`` on a synthetic platform of 5,000 pods under 2,000
NetworkPolicies (bench/bench_reach.py's generator), with its time and peak memory.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

HEARTH = str(Path(sys.executable).parent / "hearth")


def grow(seed: Path, target: Path, components: int) -> int:
    """Copy the catalog ``seed`` to ``target`` and clone its apps until it has ``components``; returns the count."""
    shutil.copytree(seed, target)
    files = sorted((target / "services").rglob("*.yaml"))
    apps = [path for path in files if _clonable(path.read_text(encoding="utf-8"))]
    count = len(files)
    copy = 0
    while count < components:
        for path in apps:
            if count >= components:
                break
            text = path.read_text(encoding="utf-8")
            name = path.stem
            clone = f"{name}-x{copy}"
            text = re.sub(rf"^name: {re.escape(name)}$", f"name: {clone}", text, count=1, flags=re.M)
            text = re.sub(r"^(  host: )(\S+)$", rf"\g<1>\g<2>-x{copy}", text, count=1, flags=re.M)
            (path.parent / f"{clone}.yaml").write_text(text, encoding="utf-8")
            count += 1
        copy += 1
    return count


def _clonable(text: str) -> bool:
    """An app nothing else needs (tagged ``apps``), installed by hearth: cloning it adds a whole component."""
    data = yaml.safe_load(text)
    return bool(
        isinstance(data, dict)
        and "apps" in (data.get("tags") or [])
        and (data.get("install") or {}).get("method") == "hearth"
    )


def run(args: Sequence[str], cwd: Path) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one ``hearth`` process (its own rusage,
    from wait4). On a machine shared with other work the CPU seconds are the steadier figure."""
    start = time.perf_counter()
    process = subprocess.Popen([HEARTH, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode not in (0, 1):  # 1: the check found something, which is still a measured run
        raise SystemExit(f"hearth {' '.join(args)} failed ({process.returncode}): {errors[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def median_run(args: Sequence[str], cwd: Path, runs: int) -> tuple[float, int, float]:
    """Median wall seconds, the largest peak RSS (MiB) and the median CPU seconds over ``runs`` runs."""
    results = [run(args, cwd) for _ in range(runs)]
    return (
        statistics.median(t for t, _, _ in results),
        max(m for _, m, _ in results),
        statistics.median(c for _, _, c in results),
    )


def stages(catalog: Path) -> dict[str, float]:
    """Seconds of each stage inside one process: load, resolve, render, package, write, check."""
    from hearth import parsememo
    from hearth.catalog.loader import load_catalog
    from hearth.render.package.files import package
    from hearth.render.package.write import write_tree
    from hearth.render.platform import render_platform
    from hearth.resolve import resolve
    from hearth.verify.report import run_check

    out: dict[str, float] = {}

    def step(name: str, action: Callable[[], object]) -> object:
        start = time.perf_counter()
        value = action()
        out[name] = time.perf_counter() - start
        return value

    loaded = step("load", lambda: load_catalog(catalog))
    resolved = step("resolve", lambda: resolve(loaded))  # type: ignore[arg-type]
    rendered = step("render", lambda: render_platform(resolved))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp, parsememo.recording():  # as hearth build does
        files = step("package", lambda: package(rendered, resolved))  # type: ignore[arg-type]
        build = Path(tmp) / "build"
        step("write", lambda: write_tree(files, build))  # type: ignore[arg-type]
        step("check", lambda: run_check(build))
    return out


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    """log(t2/t1)/log(n2/n1): how cost grows between two sizes (1 linear, 2 quadratic)."""
    (n1, t1), (n2, t2) = small, large
    return math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and n2 != n1 else float("nan")


def reach_at_scale(workdir: Path, pods: int = 5000, policies: int = 2000) -> tuple[float, int, int]:
    """``hearth reach --allowed-only --output json`` over ``pods`` pods under ``policies`` policies."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_reach import synthetic_platform

    docs = synthetic_platform(components=pods, namespaces=10)
    kept, count = [], 0
    for doc in docs:  # two policies per component: keep the first `policies`, every workload
        if doc["kind"] == "NetworkPolicy":
            if count >= policies:
                continue
            count += 1
        kept.append(doc)
    path = workdir / "reach.yaml"
    path.write_text(yaml.safe_dump_all(kept, sort_keys=False), encoding="utf-8")
    seconds, peak, _ = run(["reach", str(path), "--allowed-only", "--output", "json"], workdir)
    return seconds, peak, count


def main(argv: Sequence[str] | None = None) -> None:
    """Grow the catalogs, time each command on each, print the table and the growth exponents."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reach", action="store_true")
    args = parser.parse_args(argv)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"machine: {os.cpu_count()} cpus, {memory:.0f} GiB, {os.uname().sysname} {os.uname().release}, "
        f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="hearth-scale-") as tmp:
        work = Path(tmp)
        subprocess.run([HEARTH, "init", str(work / "seed")], check=True, capture_output=True)
        catalogs = [("seed", work / "seed", len(list((work / "seed" / "services").rglob("*.yaml"))))]
        for size in args.sizes:
            target = work / f"n{size}"
            catalogs.append((f"n={size}", target, grow(work / "seed", target, size)))
        header = (
            f"{'catalog':>10} {'files':>6} {'validate':>9} {'render':>9} {'check':>9} {'v+r+c':>9} "
            f"{'v+r+c cpu':>9} {'peak MiB':>9} {'hearth build':>12} {'cpu':>8} {'MiB':>5}"
        )
        print(header)
        totals: list[tuple[int, float]] = []
        cpu_totals: list[tuple[int, float]] = []
        for label, catalog, count in catalogs:
            build = work / f"build-{label}"
            validate, v_peak, v_cpu = median_run(["validate", "--platform", str(catalog)], work, args.runs)
            render, r_peak, r_cpu = median_run(
                ["render", "--platform", str(catalog), "--out", str(build), "-q"], work, args.runs
            )
            check, c_peak, c_cpu = median_run(["check", "--build", str(build)], work, args.runs)
            summed = validate + render + check
            summed_cpu = v_cpu + r_cpu + c_cpu
            whole, b_peak, cpu = median_run(
                ["build", "--platform", str(catalog), "--out", str(work / f"whole-{label}"), "-q"], work, args.runs
            )
            print(
                f"{label:>10} {count:>6} {validate:>8.2f}s {render:>8.2f}s {check:>8.2f}s {summed:>8.2f}s "
                f"{summed_cpu:>8.2f}s {max(v_peak, r_peak, c_peak):>9} {whole:>11.2f}s {cpu:>7.2f}s {b_peak:>5}"
            )
            if label != "seed":
                totals.append((count, whole))
                cpu_totals.append((count, cpu))
        print("stages in one process (seconds):")
        for label, catalog, count in catalogs:
            figures = stages(catalog)
            print(f"{label:>10} {count:>6} " + " ".join(f"{k} {v:.2f}" for k, v in figures.items()))
        for (small, large), (small_cpu, large_cpu) in zip(
            itertools.pairwise(totals), itertools.pairwise(cpu_totals), strict=True
        ):
            print(
                f"hearth build, growth {small[0]} -> {large[0]} components: x{large[1] / small[1]:.2f} time, exponent "
                f"{exponent(small, large):.2f}; x{large_cpu[1] / small_cpu[1]:.2f} cpu, exponent "
                f"{exponent(small_cpu, large_cpu):.2f}"
            )
        if len(totals) > 1:
            (n1, t1), (n2, t2) = totals[0], totals[-1]
            print(f"hearth build t({n2})/t({n1}): x{t2 / t1:.2f} wall, x{cpu_totals[-1][1] / cpu_totals[0][1]:.2f} cpu")
        print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.reach:
            seconds, peak, policies = reach_at_scale(work)
            print(
                f"reach --allowed-only --output json, 5000 pods x {policies} policies: {seconds:.1f}s, {peak} MiB peak"
            )


if __name__ == "__main__":
    main()
