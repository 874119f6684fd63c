"""The parse memo (``hearth.parsememo``): a build rendered and audited in one process is not parsed back again,
yet the auditor still sees exactly what is on disk.

The memo is only worth having if its answer is the parse: every memoized file of the seed build is parsed for real
here and compared, types and order included. And it must never hide a change: a file edited after the write is
parsed from disk, while the files left alone come from the memo.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from hearth import parsememo
from hearth.buildindex import digest
from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.commands.render import render
from hearth.render.package.write import dump_yaml
from hearth.verify.build import manifests
from hearth.verify.build.audit import load_build
from hearth.verify.build.manifests import parse_documents, read_documents

EDIT = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edited-after-render\n  namespace: default\n"


def _memoized_files(build: Path) -> list[Path]:
    """The files the packager writes from plain documents: manifests/, cluster/ and helmfile.yaml."""
    manifests, cluster = sorted((build / "manifests").glob("*.yaml")), sorted((build / "cluster").glob("*.yaml"))
    return [*manifests, *cluster, build / "helmfile.yaml"]


def test_every_memoized_file_of_the_seed_build_parses_to_its_memo(tmp_path: Path) -> None:
    build = tmp_path / "build"
    with parsememo.recording():
        render(load_catalog(default_catalog_dir()), build)
        files = _memoized_files(build)
        assert len(files) > 60
        for path in files:
            data = path.read_bytes()
            known = parsememo.recall(digest(data))
            assert known is not None, f"{path.relative_to(build)} was not memoized"
            parsed = parse_documents(data.decode("utf-8"), path)
            # repr: the same types (1, 1.0 and True differ), the same key order, the same lines
            assert repr(known) == repr([(doc.line, doc.obj) for doc in parsed]), path.relative_to(build)


def test_a_file_edited_after_the_write_is_parsed_from_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = tmp_path / "build"
    real_parse = manifests.parse_documents
    parsed: list[str] = []

    def counting_parse(text: str, path: Path) -> list[manifests.Document]:
        parsed.append(path.relative_to(build).as_posix())
        return real_parse(text, path)

    monkeypatch.setattr(manifests, "parse_documents", counting_parse)
    with parsememo.recording():
        render(load_catalog(default_catalog_dir()), build)
        edited = build / "manifests" / "gitlab.yaml"
        before = edited.read_text(encoding="utf-8")
        edited.write_text(before + EDIT, encoding="utf-8")
        audited = load_build(build)
    # the edit is seen: the file was parsed from disk, not answered by the memo of what the render wrote
    names = [doc.obj["metadata"]["name"] for doc in audited.by_component_file["gitlab"]]
    assert names[-1] == "edited-after-render"
    assert len(names) == before.count("\n---\n") + 2
    # and only it, besides claims.yaml (its renderer writes it as text, so it is not memoized): every file left
    # alone came from the memo
    assert parsed == ["manifests/gitlab.yaml", "claims.yaml"]


def test_the_memo_keeps_a_copy_and_hands_it_out_once() -> None:
    document = {"kind": "ConfigMap", "data": {"a": "1"}, "ports": (80, 443), "ratio": 0.5, "on": True}
    text = "---\n" + dump_yaml(document)
    sha = digest(text.encode("utf-8"))
    with parsememo.recording():
        parsememo.remember(text, [(2, document)])
        document["data"]["a"] = "changed by the renderer after the dump"
        assert parsememo.recall(sha) == [
            (2, {"kind": "ConfigMap", "data": {"a": "1"}, "ports": [80, 443], "ratio": 0.5, "on": True})
        ]
        assert parsememo.recall(sha) is None  # a second read parses


@pytest.mark.parametrize(
    "value",
    [datetime.date(2026, 1, 1), float("nan"), {1: "int key"}, type("Name", (str,), {})("subclass"), b"bytes"],
)
def test_what_the_loader_would_not_give_back_is_not_memoized(value: object) -> None:
    text = "---\nkind: ConfigMap\n"
    with parsememo.recording():
        parsememo.remember(text, [(2, {"kind": "ConfigMap", "data": {"x": value}})])
        assert parsememo.recall(digest(text.encode("utf-8"))) is None


def test_nothing_is_memoized_outside_recording(tmp_path: Path) -> None:
    text = "---\nkind: ConfigMap\n"
    parsememo.remember(text, [(2, {"kind": "ConfigMap"})])
    with parsememo.recording():
        assert parsememo.recall(digest(text.encode("utf-8"))) is None
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    assert [doc.obj for doc in read_documents(path)] == [{"kind": "ConfigMap"}]
