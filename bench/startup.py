"""Time ``hearth validate`` of the seed as a whole process, beside peers measured in the same run.

    .venv/bin/python bench/startup.py [--runs N] [--platform DIR] [--compare SRC]

Issue 15's goal is <= 0.25 s for the whole process. Each command runs N times, interleaved (one run of each in
turn, so a busy moment of a shared machine falls on all of them alike), and the median and the fastest wall time
are printed, with the median CPU time (user + system), which a busy machine disturbs less. The peers say what is
not hearth's: the interpreter alone (``python -c pass``), and importing the two libraries the catalog loader cannot
do without (``import yaml, pydantic``); ``import hearth.catalog.loader`` is the loader's own import cost (its
pydantic models built) and ``hearth --version`` the command layer (typer) alone. The hearth of this checkout
(``src/``) is run, with bytecode caching on, as an installed hearth has it (a PYTHONDONTWRITEBYTECODE in the
environment would make every run compile every module). ``--compare SRC`` adds ``hearth validate`` run from
another source tree (e.g. an older commit's ``src/``, from ``git archive``) to the same interleaved runs. Prints
figures only; never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 0.25


def environment(src: Path) -> dict[str, str]:
    """This environment with ``src`` first on the path and bytecode caching on."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": os.pathsep.join([str(src), *filter(None, [os.environ.get("PYTHONPATH")])])}


Command = tuple[list[str], dict[str, str]]


def commands(platform: Path | None, compare: Path | None) -> dict[str, Command]:
    """What is timed, by the name printed: each a whole process with this interpreter, and its environment."""
    python = sys.executable
    here = environment(REPO / "src")
    # hearth.cli, not -m hearth: an older tree may have no __main__.py
    validate = [python, "-c", "from hearth.cli import app; app()", "validate"]
    validate += ["--platform", str(platform.resolve())] if platform else []
    timed = {
        "python -c pass": ([python, "-c", "pass"], here),
        "python -c 'import yaml, pydantic'": ([python, "-c", "import yaml, pydantic"], here),
        "python -c 'import hearth.catalog.loader'": ([python, "-c", "import hearth.catalog.loader"], here),
        "hearth --version": ([python, "-m", "hearth", "--version"], here),
        "hearth validate": (validate, here),
    }
    if compare is not None:
        timed[f"hearth validate ({compare})"] = (validate, environment(compare.resolve()))
    return timed


def run_once(command: Command) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole process, which must succeed."""
    argv, env = command
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Run every command N times, interleaved, and print the median and the fastest of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--platform", type=Path, help="catalog directory (default: the packaged seed)")
    parser.add_argument("--compare", type=Path, help="another source tree whose hearth validate to time as well")
    args = parser.parse_args()
    timed = commands(args.platform, args.compare)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in timed}
    for command in timed.values():  # one warm-up run each: the page cache, .pyc files
        run_once(command)
    for _ in range(args.runs):
        for name, command in timed.items():
            times[name].append(run_once(command))
    width = max(len(name) for name in timed)
    load = os.getloadavg()[0]
    print(f"startup, whole process, {args.runs} runs each, interleaved ({sys.executable}, load {load:.1f}):")
    for name, values in times.items():
        wall = [w for w, _ in values]
        cpu = statistics.median(c for _, c in values)
        print(f"  {name:<{width}}  median {statistics.median(wall):.3f} s  fastest {min(wall):.3f} s  cpu {cpu:.3f} s")
    validate = statistics.median(w for w, _ in times["hearth validate"])
    verdict = "meets" if validate <= GOAL_SECONDS else "misses"
    print(f"hearth validate {verdict} the goal of {GOAL_SECONDS} s (median {validate:.3f} s)")


if __name__ == "__main__":
    main()
