"""Hostile catalogs are refused in bounded time and memory: one located line per problem, exit 2, no traceback.

Each case builds the valid base catalog (``tests/fixtures/invalid/base``) with one hostile file, then runs
``hearth validate`` in a subprocess under resource limits (address space, CPU seconds) and a wall-clock timeout,
so a loader that hangs on a FIFO or expands aliases without end fails the test instead of the machine. When the
suite runs as root, the subprocess drops the capabilities that let root read files whatever their mode
(``unprivileged.drop_dac_capabilities``).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from invalid_cases import BASE

from unprivileged import drop_dac_capabilities

HEARTH = Path(sys.executable).parent / "hearth"
MEMORY_LIMIT = 1 << 30  # bytes of address space: the loader needs ~150 MiB; a billion laughs needs gigabytes
CPU_SECONDS = 20
WALL_SECONDS = 40
LINE = re.compile(r"^error: [^:]+:[0-9]+: [^:]+: .+$")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    drop_dac_capabilities()


@pytest.fixture
def catalog() -> Iterator[Path]:
    """A copy of the base catalog in a directory the unprivileged subprocess can reach."""
    top = Path(tempfile.mkdtemp(prefix="hearth-hostile-"))
    root = top / "catalog"
    shutil.copytree(BASE, root)
    for path in [top, *root.rglob("*"), root]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield root
    for path in root.rglob("*"):  # undo what a case made unreadable, so it can be removed
        if not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(top)


def _billion_laughs(root: Path) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    app = root / "services/apps/app.yaml"
    app.write_text(app.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    assert app.stat().st_size < 4096
    return "services/apps/app.yaml:"


def _alias_chain(root: Path) -> str:
    lines = ["c0: &c0 [x]", *(f"c{i}: &c{i} [*c{i - 1}]" for i in range(1, 3000))]
    (root / "services/apps/app.yaml").write_text(
        (root / "services/apps/app.yaml").read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return "services/apps/app.yaml:"


def _deep_flow(root: Path) -> str:
    (root / "services/apps/app.yaml").write_text("needs: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    return "services/apps/app.yaml:1: (yaml): nested deeper than 64 levels"


def _deep_block(root: Path) -> str:
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + f"{'  ' * 200}v: 1\n"
    (root / "services/apps/app.yaml").write_text(text, encoding="utf-8")
    return "services/apps/app.yaml:65: (yaml): nested deeper than 64 levels"


def _fifo(root: Path) -> str:
    os.mkfifo(root / "services/apps/pipe.yaml")
    return "services/apps/pipe.yaml:1: (file): a FIFO, not a regular file: refused without reading it"


def _link_to_fifo(root: Path) -> str:
    os.mkfifo(root.parent / "pipe")
    (root / "services/apps/pipe.yaml").symlink_to(root.parent / "pipe")
    return "services/apps/pipe.yaml:1: (file): a FIFO (through a link), not a regular file: refused without reading it"


def _link_to_device(root: Path) -> str:
    (root / "services/apps/zero.yaml").symlink_to("/dev/zero")
    return "services/apps/zero.yaml:1: (file): a character device (through a link), not a regular file"


def _socket(root: Path) -> str:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "services/apps/sock.yaml"))
    sock.close()
    return "services/apps/sock.yaml:1: (file): a socket, not a regular file"


def _platform_is_a_fifo(root: Path) -> str:
    (root / "platform.yaml").unlink()
    os.mkfifo(root / "platform.yaml")
    return "platform.yaml:1: (file): a FIFO, not a regular file"


def _platform_is_a_directory(root: Path) -> str:
    (root / "platform.yaml").unlink()
    (root / "platform.yaml").mkdir()
    return "platform.yaml:1: (file): a directory, not a regular file"


def _unreadable_directory(root: Path) -> str:
    (root / "services/apps").chmod(0)
    return "services/apps:1: (directory): cannot read: Permission denied"


def _unreadable_file(root: Path) -> str:
    (root / "services/apps/app.yaml").chmod(0)
    return "services/apps/app.yaml:1: (file): cannot read: Permission denied"


def _other_suffix(root: Path) -> str:
    shutil.copyfile(root / "services/apps/app.yaml", root / "services/apps/cache.yaml.bak")
    return "services/apps/cache.yaml.bak:1: (file): not read: a component is a .yaml or .yml file under services/"


def _link_to_directory(root: Path) -> str:
    (root / "services/loop").symlink_to(root / "services")
    return "services/loop:1: (directory): a link to a directory: not followed"


def _not_utf8(root: Path) -> str:
    app = root / "services/apps/app.yaml"
    lines = app.read_bytes().splitlines(keepends=True)
    lines[4] = b"version: v1.2.0 \xff\xfe\n"
    app.write_bytes(b"".join(lines))
    return "services/apps/app.yaml:5: (file): not UTF-8: byte 0xff"


def _too_large(root: Path) -> str:
    app = root / "services/apps/app.yaml"
    app.write_text(app.read_text(encoding="utf-8") + "# padding\n" * 300_000, encoding="utf-8")
    return "services/apps/app.yaml:1: (file): larger than 1024 KiB: not a catalog file"


def _name_with_newline(root: Path) -> str:
    (root / "services/apps/bad\nname.txt").write_text("x", encoding="utf-8")
    return "'services/apps/bad\\nname.txt':1: (file): not read"


CASES: dict[str, Callable[[Path], str]] = {
    "billion-laughs": _billion_laughs,
    "alias-chain": _alias_chain,
    "deep-flow-nesting": _deep_flow,
    "deep-block-nesting": _deep_block,
    "fifo": _fifo,
    "link-to-fifo": _link_to_fifo,
    "link-to-device": _link_to_device,
    "socket": _socket,
    "platform-is-a-fifo": _platform_is_a_fifo,
    "platform-is-a-directory": _platform_is_a_directory,
    "unreadable-directory": _unreadable_directory,
    "unreadable-file": _unreadable_file,
    "other-suffix": _other_suffix,
    "link-to-directory": _link_to_directory,
    "not-utf8": _not_utf8,
    "too-large": _too_large,
    "name-with-newline": _name_with_newline,
}


def _validate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HEARTH), "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=WALL_SECONDS,
        preexec_fn=_limits,
        check=False,
    )


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_one_located_line(catalog: Path, make: Callable[[Path], str]) -> None:
    expected = make(catalog)
    result = _validate(catalog, "--platform", ".")
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert any(line.startswith(f"error: {expected}") for line in lines), lines


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing", "error: {root}/nowhere:1: (directory): no such directory"),
        ("empty", "error: {root}/empty:1: (directory): empty: a catalog is platform.yaml and services/<namespace>/"),
        ("file", "error: {root}/file:1: (directory): not a directory"),
    ],
)
def test_a_missing_or_empty_path_has_its_own_message(catalog: Path, setup: str, expected: str) -> None:
    root = catalog.parent
    (root / "empty").mkdir(mode=0o755)
    (root / "file").write_text("x", encoding="utf-8")
    target = {"missing": "nowhere", "empty": "empty", "file": "file"}[setup]
    result = _validate(root, "--platform", str(root / target))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [expected.format(root=root)]
