"""The manifest loader: files, directories, multi-document YAML, Lists, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.verify.build.manifests import ManifestError, iter_yaml_files, load_documents, parse_documents


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_directories_are_walked_recursively_sorted_and_hidden_entries_skipped(tmp_path: Path) -> None:
    """Only *.yaml/*.yml, in path order, without .git-like folders; explicit files whatever the suffix."""
    _write(tmp_path / "b.yaml", "kind: B\n")
    _write(tmp_path / "a" / "z.yml", "kind: AZ\n")
    _write(tmp_path / "a" / "notes.txt", "kind: no\n")
    _write(tmp_path / ".github" / "ci.yaml", "kind: Hidden\n")
    _write(tmp_path / "a" / ".hidden.yaml", "kind: Hidden\n")
    extra = _write(tmp_path / "extra.manifest", "kind: Extra\n")
    files = iter_yaml_files([tmp_path, extra, tmp_path / "b.yaml"])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a/z.yml", "b.yaml", "extra.manifest"]
    assert [d.kind for d in load_documents([tmp_path])] == ["AZ", "B"]


def test_multi_document_empty_and_non_mapping_documents(tmp_path: Path) -> None:
    """Empty documents and non-mappings are skipped; lines point at each document's first node."""
    text = "---\n---\nkind: One\n---\n# comment only\n---\n- a list\n---\nplain scalar\n---\nkind: Two\n"
    docs = parse_documents(text, tmp_path / "m.yaml")
    assert [(d.kind, d.line) for d in docs] == [("One", 3), ("Two", 11)]


def test_kind_list_is_expanded_with_item_lines(tmp_path: Path) -> None:
    """``kind: List`` yields its items (nested Lists too), each with its own line."""
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - kind: Pod\n    metadata: {name: a}\n"
        "  - kind: List\n    items:\n      - kind: Service\n"
    )
    docs = parse_documents(text, Path("l.yaml"))
    assert [(d.kind, d.line) for d in docs] == [("Pod", 4), ("Service", 8)]


def test_bad_yaml_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    """A syntax error names FILE:LINE, never a traceback-shaped message."""
    bad = _write(tmp_path / "bad.yaml", "kind: Pod\n---\nmetadata:\n  name: x\n   oops: [\n")
    with pytest.raises(ManifestError) as info:
        load_documents([bad])
    error = info.value
    assert error.path == bad
    assert error.line is not None and error.line >= 4
    assert str(error).startswith(f"{bad}:{error.line}: invalid YAML: ")
    assert "\n" not in str(error)
    assert isinstance(error, ValueError)


def test_bad_list_items(tmp_path: Path) -> None:
    """A List whose items are not a list is reported at the List."""
    with pytest.raises(ManifestError, match=r"l\.yaml:1: kind: List"):
        parse_documents("kind: List\nitems: 3\n", Path("l.yaml"))


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    """A missing path and a non-UTF-8 file raise ManifestError with the path."""
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_documents([tmp_path / "absent.yaml"])
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"kind: \xff\xfe\n")
    with pytest.raises(ManifestError, match=r"bin\.yaml: cannot read: not UTF-8"):
        load_documents([binary])


def test_control_characters_are_reported_with_a_line(tmp_path: Path) -> None:
    """Reader errors (non-printable characters) also carry a line number."""
    with pytest.raises(ManifestError, match=r"c\.yaml:2: invalid YAML"):
        parse_documents("kind: Pod\nname: \x07\n", Path("c.yaml"))


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    """A file reached both directly and through its directory is loaded once."""
    one = _write(tmp_path / "one.yaml", "kind: One\n")
    assert len(load_documents([one, tmp_path, one])) == 1
