"""``hearth check`` reads each file of the build once (``hearth.verify.build.files``): the index check, the loader
and the plaintext scan get what that read saw, and the same answers as when each read the disk itself.
"""

from __future__ import annotations

import builtins
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hearth.buildindex import compare
from hearth.verify.build.audit import load_build
from hearth.verify.build.files import BuildFiles
from hearth.verify.build.inputs import BuildInputError
from hearth.verify.report import run_check
from hearth.verify.secrets.plaintext import scan_build

LEAK = "aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY9\n"


def _documents(build: Any) -> list[tuple[str, int | None, Any]]:
    return [(doc.path.as_posix(), doc.line, doc.obj) for doc in build.documents]


def test_one_read_answers_as_the_disk_does(build: Path) -> None:
    (build / "manifests" / "leak.yaml").write_text(LEAK)  # an unindexed file, and a finding
    (build / ".hidden").mkdir()
    (build / ".hidden" / "leak.env").write_text(LEAK)
    os.symlink(build / "claims.yaml", build / "values" / "linked.yaml")
    files = BuildFiles.read(build)
    assert compare(build, files) == compare(build)
    assert (files.scanned, files.findings) == scan_build(build)
    assert len(files.findings) == 2
    assert _documents(load_build(build, files)) == _documents(load_build(build))


def test_the_check_opens_each_file_it_parses_once(rendered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: Counter[str] = Counter()
    real_open = io.open

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened[os.path.realpath(os.fspath(file))] += 1 if isinstance(file, str | os.PathLike) else 0
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    run_check(rendered)
    root = os.path.realpath(rendered)
    read = {path: n for path, n in opened.items() if path.startswith(root + os.sep)}
    parsed = ("manifests", "cluster", "values", "charts")
    once = [p for p in read if os.path.relpath(p, root).split(os.sep)[0] in parsed]
    assert len(once) > 100
    assert {p: read[p] for p in once if read[p] != 1} == {}
    # read once; opened a second time, not read, by require_inputs, which sees that a section's input can be opened
    assert read[os.path.join(root, "helmfile.yaml")] == read[os.path.join(root, "claims.yaml")] == 2


def test_what_is_audited_is_what_was_hashed(build: Path) -> None:
    files = BuildFiles.read(build)
    victim = sorted((build / "manifests").glob("*.yaml"))[0]
    victim.write_text("kind: ConfigMap\nmetadata: {name: swapped-after-the-read}\n")
    names = [doc.obj.get("metadata", {}).get("name") for doc in load_build(build, files).documents]
    assert "swapped-after-the-read" not in names


def test_a_fifo_in_place_of_a_manifest_is_refused_without_blocking(build: Path) -> None:
    victim = sorted((build / "manifests").glob("*.yaml"))[0]
    victim.unlink()
    os.mkfifo(victim)
    with pytest.raises(BuildInputError) as caught:
        run_check(build)
    assert f"{victim}: content differs from the index" in str(caught.value)


def test_a_link_in_place_of_a_file_is_changed(build: Path) -> None:
    victim = build / "claims.yaml"
    target = build.parent / "claims-elsewhere.yaml"
    victim.rename(target)
    victim.symlink_to(target)
    files = BuildFiles.read(build)
    assert compare(build, files).changed == compare(build).changed == ["claims.yaml"]
