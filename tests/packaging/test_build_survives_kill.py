"""The build directory survives a kill, a full disk and a mistyped ``--out``.

The kill test replaces an old build with a new one in a child process that SIGKILLs itself just before its N-th
file-system step (directory made, file written, rename or exchange, file or directory removed), for N spread
over every step of the write; after each kill ``--out`` must be byte for byte the old build or the new one, and
the next run must leave nothing beside it.
"""

from __future__ import annotations

import json
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hearth.buildindex import compare
from tools import RunHearth
from unprivileged import drop_dac_capabilities

HEARTH = Path(sys.executable).parent / "hearth"
OLD = {f"manifests/old-{i}.yaml": f"old: {i}\n" for i in range(8)} | {"helmfile.yaml": "old\n", "x/y/z.txt": "o\n"}
NEW = {f"manifests/new-{i}.yaml": f"new: {i}\n" for i in range(8)} | {"helmfile.yaml": "new\n", "a/b/c.txt": "n\n"}

CHILD = r"""
import json, os, shutil, signal, sys
from pathlib import Path
from hearth.render.package import swap, write

files, out, kill_at = json.loads(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
steps = [0]

def counted(fn):
    def wrapper(*args, **kwargs):
        steps[0] += 1
        if steps[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapper

write._make_dir = counted(write._make_dir)
write._write_file = counted(write._write_file)
for name in ("rename", "unlink", "rmdir"):
    setattr(os, name, counted(getattr(os, name)))
swap.exchange = counted(swap.exchange)
write.write_tree(files, out)
print(steps[0])
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(files: dict[str, str], out: Path, kill_at: int = 0) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-c", CHILD, json.dumps(files), str(out), str(kill_at)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _reference(tmp_path: Path, files: dict[str, str], name: str) -> dict[str, bytes]:
    assert _write(files, tmp_path / name).returncode == 0
    return _tree(tmp_path / name)


@pytest.mark.slow
def test_a_kill_at_any_step_leaves_the_old_build_or_the_new(tmp_path: Path) -> None:
    old, new = _reference(tmp_path, OLD, "old-ref"), _reference(tmp_path, NEW, "new-ref")
    work = tmp_path / "work"
    work.mkdir()
    out = work / "build"
    assert _write(OLD, out).returncode == 0
    counted = _write(NEW, out)
    assert counted.returncode == 0, counted.stderr
    steps = int(counted.stdout)
    assert steps >= 20, steps
    outcomes = set()
    for kill_at in range(1, steps + 1):
        assert _write(OLD, out).returncode == 0  # start each time from the complete old build
        killed = _write(NEW, out, kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        now = _tree(out)
        assert now in (old, new), f"killed before step {kill_at}: the build is neither the old nor the new one"
        outcomes.add("new" if now == new else "old")
        assert _write(NEW, out).returncode == 0  # the next run
        assert _tree(out) == new and compare(out).ok
        assert sorted(p.name for p in work.iterdir()) == ["build"], f"left beside the build after step {kill_at}"
    assert outcomes == {"old", "new"}


def test_what_a_killed_run_left_is_removed_but_a_running_one_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert _write(OLD, out).returncode == 0
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [tmp_path / f".build.new-{dead.stdout.strip()}-abc", tmp_path / ".build.old-xyz12345"]
    alive = tmp_path / f".build.new-{1}-running"  # pid 1 runs as long as the machine does
    unrelated = tmp_path / ".build.notes"
    for path in [*stale, alive, unrelated]:
        path.mkdir()
        (path / "f").write_text("x")
    assert _write(NEW, out).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["build", alive.name, unrelated.name])


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("cat/services/build", "refusing to write the build to cat/services/build: it is inside the catalog cat"),
        ("cat", "refusing to write the build to cat: it is inside the catalog cat"),
        (".", "refusing to write the build to .: the catalog cat is inside it"),
    ],
)
def test_a_build_inside_the_catalog_or_around_it_is_refused(
    hearth: RunHearth, tmp_path: Path, out: str, message: str
) -> None:
    assert hearth("init", "cat", cwd=tmp_path).exit_code == 0
    before = _tree(tmp_path / "cat")
    for command in ("render", "build"):
        result = hearth(command, "--platform", "cat", "--out", out, "--quiet", cwd=tmp_path)
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [f"error: {message}"]
    assert _tree(tmp_path / "cat") == before


def _full_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as ENOSPC would
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


@pytest.mark.parametrize(
    ("read_only", "expected"),
    [
        (False, r"error: .*/build/[^ ]+: File too large \(writing the new build; .*/build is unchanged\)"),
        (True, r"error: .*/ro: cannot write beside the build: Permission denied"),
    ],
    ids=["full-disk", "unwritable"],
)
def test_a_write_error_is_one_line_naming_its_path(tmp_path: Path, read_only: bool, expected: str) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    out = parent / "build"
    assert subprocess.run([str(HEARTH), "render", "--out", str(out), "--quiet"], check=False).returncode == 0
    before = _tree(out)
    if read_only:
        parent.chmod(0o555)
    try:
        result = subprocess.run(
            [str(HEARTH), "render", "--out", str(out), "--quiet"],
            capture_output=True,
            text=True,
            preexec_fn=drop_dac_capabilities if read_only else _full_disk,
            timeout=60,
            check=False,
        )
    finally:
        parent.chmod(0o755)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(expected, lines[0]), lines
    assert _tree(out) == before
    assert sorted(p.name for p in parent.iterdir()) == ["build"]
