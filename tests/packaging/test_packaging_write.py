"""The YAML writer and the atomic, guarded replacement of the build directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.buildindex import compare
from hearth.render.package import swap, write
from hearth.render.package.write import INDEX, MARKER, dump_all, dump_yaml, write_tree


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes (the index aside: it is checked by ``compare``)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def files_of(root: Path) -> dict[str, bytes]:
    """``tree`` without the index, after checking the build matches it."""
    assert compare(root).ok
    return {rel: data for rel, data in tree(root).items() if rel != INDEX}


def leftovers(parent: Path) -> list[str]:
    """Temporary siblings write_tree may have left behind."""
    return sorted(p.name for p in parent.iterdir() if ".new-" in p.name or ".old-" in p.name)


# ------------------------------------------------------------------------------------------------- dump_yaml


def test_dump_never_writes_anchors_or_aliases() -> None:
    shared = {"app": "x"}
    text = dump_yaml({"a": shared, "b": shared, "c": [shared, shared]})
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text) == {"a": shared, "b": shared, "c": [shared, shared]}


def test_dump_keeps_build_order_and_block_style() -> None:
    text = dump_yaml({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}, "list": [1, 2]})
    assert text == "kind: Pod\napiVersion: v1\nmetadata:\n  name: p\nlist:\n- 1\n- 2\n"


def test_dump_never_folds_long_strings() -> None:
    long = " ".join(["word"] * 400)
    text = dump_yaml({"k": long, "expr": f"sum(rate(x[5m])) by (pod) > {long}"})
    assert len(text.splitlines()) == 2
    assert yaml.safe_load(text)["k"] == long


@pytest.mark.parametrize(
    "value",
    [
        "line one\nline two\n",
        "no newline at end\nsecond",
        "y",
        "n",
        "yes",
        "on",
        "0755",
        "1e3",
        "",
        "~",
        "null",
        "héllo — ok",
        "  leading",
        "trailing  ",
        "a: b",
        "- x",
        "#x",
        "*x",
        "&x",
        "{{ x }}",
        "'quote'",
        '"dq"',
        "=",
        "<<",
    ],
)
def test_dump_round_trips_strings(value: str) -> None:
    assert yaml.safe_load(dump_yaml({"v": value})) == {"v": value}


class _Representer(write._BaseDumper):  # type: ignore[misc,valid-type]
    """HearthDumper without its own represent_data and resolve: SafeRepresenter's way, and the resolver's."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Representer.add_representer(str, write._represent_str)
_Representer.add_representer(tuple, write._represent_tuple)

_TRICKY = ["y", "N", "yes", "off", "null", "~", "", "0755", "1e3", "1_000", "0x1f", ".inf", "2026-12-07", "<<", "="]
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from(_TRICKY)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.sampled_from(_TRICKY) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_dump_writes_what_the_safe_representer_would(data: Any) -> None:
    """HearthDumper makes the nodes of plain values itself and remembers scalars' implicit tags (for speed): the
    text is the one SafeRepresenter's nodes and the resolver's answers give, byte for byte."""
    reference = yaml.dump(
        data,
        Dumper=_Representer,
        sort_keys=False,
        default_flow_style=False,
        width=write._WIDTH,
        allow_unicode=True,
        explicit_start=False,
    )
    assert dump_yaml(data) == reference
    assert dump_yaml(data) == reference  # the second time from the remembered tags


def test_go_yaml_booleans_are_quoted() -> None:
    assert dump_yaml({"v": "y"}) == "v: 'y'\n"
    assert dump_yaml({"v": "N"}) == "v: 'N'\n"


def test_multiline_strings_are_literal_blocks() -> None:
    assert dump_yaml({"script": "set -e\necho hi\n"}) == "script: |\n  set -e\n  echo hi\n"


def test_dump_all_introduces_each_document() -> None:
    docs: list[dict[str, Any]] = [{"a": 1}, {"b": 2}]
    assert dump_all(docs) == "---\na: 1\n---\nb: 2\n"
    assert dump_all([]) == ""


# ------------------------------------------------------------------------------------------------ write_tree


def test_writes_a_new_tree_with_the_marker(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "build"
    write_tree({"a.yaml": "a: 1\n", "x/y/z.txt": "é\n"}, out)
    assert files_of(out) == {MARKER: write.MARKER_TEXT.encode(), "a.yaml": b"a: 1\n", "x/y/z.txt": "é\n".encode()}
    assert leftovers(out.parent) == []
    assert (out.stat().st_mode & 0o777) == 0o777 & ~write._umask()


def test_replaces_a_previous_build_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "build"
    write_tree({"old.yaml": "old\n", "keep/also-old.yaml": "x\n"}, out)
    write_tree({"new.yaml": "new\n"}, out)
    assert files_of(out) == {MARKER: write.MARKER_TEXT.encode(), "new.yaml": b"new\n"}
    assert leftovers(tmp_path) == []


def test_replaces_an_empty_directory(tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    write_tree({"a": "1\n"}, out)
    assert (out / "a").read_text() == "1\n"


def test_refuses_a_directory_that_is_not_a_build(tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match=r"refusing to replace .*home: it is not empty and not a previous hearth"):
        write_tree({"a": "1\n"}, out)
    assert tree(out) == {"thesis.tex": b"years of work"}
    assert leftovers(tmp_path) == []


def test_refuses_a_file_and_a_symlink(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(ValueError, match="refusing to replace"):
        write_tree({"a": "1\n"}, file)
    build = tmp_path / "build"
    write_tree({"a": "1\n"}, build)
    link = tmp_path / "link"
    link.symlink_to(build)
    with pytest.raises(ValueError, match="refusing to replace"):
        write_tree({"a": "2\n"}, link)
    assert (build / "a").read_text() == "1\n"


@pytest.mark.parametrize("bad", ["../escape", "/etc/passwd", "a/../../b", "", MARKER, INDEX, "a//b", "./a"])
def test_refuses_paths_outside_the_build(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="not a plain relative path"):
        write_tree({bad: "x"}, tmp_path / "build")
    assert not (tmp_path / "build").exists()
    assert leftovers(tmp_path) == []


def test_a_failure_mid_write_leaves_the_old_build_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    write_tree({"a.yaml": "old a\n", "b.yaml": "old b\n"}, out)
    before = tree(out)
    real = write._write_file
    written: list[str] = []

    def flaky(path: str, data: bytes) -> None:
        written.append(path)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "_write_file", flaky)
    with pytest.raises(OSError, match="No space left"):
        write_tree({f"f{i}.yaml": "new\n" for i in range(10)}, out)
    assert tree(out) == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "two-renames"])
def test_a_failure_at_the_swap_keeps_the_old_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    out = tmp_path / "build"
    write_tree({"a.yaml": "old\n"}, out)
    before = tree(out)
    real = os.rename

    def broken_exchange(a: Path, b: Path) -> bool:
        raise OSError(5, "Input/output error", str(b))

    def rename(src: Any, dst: Any) -> None:
        if ".old-" not in str(src):  # old moved aside works; moving the new one in fails
            raise OSError(5, "Input/output error")
        real(src, dst)

    if exchange:
        monkeypatch.setattr(swap, "exchange", broken_exchange)
    else:
        monkeypatch.setattr(swap, "exchange", lambda a, b: False)
        monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"):
        write_tree({"a.yaml": "new\n"}, out)
    assert tree(out) == before
    assert leftovers(tmp_path) == []


def test_the_fallback_without_exchange_replaces_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    write_tree({"a.yaml": "old\n"}, out)
    monkeypatch.setattr(swap, "exchange", lambda a, b: False)
    write_tree({"b.yaml": "new\n"}, out)
    assert files_of(out) == {MARKER: write.MARKER_TEXT.encode(), "b.yaml": b"new\n"}
    assert leftovers(tmp_path) == []


def test_the_exchange_is_atomic_on_this_system(tmp_path: Path) -> None:
    """The build's guarantee rests on renameat2(RENAME_EXCHANGE): on Linux it must be available, not fallen back."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "in-a").write_text("")
    assert swap.exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "in-a").exists() and not (tmp_path / "a" / "in-a").exists()


def test_an_interrupt_cleans_up_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"
    write_tree({"a.yaml": "old\n"}, out)

    def interrupted(path: str, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(write, "_write_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tree({"a.yaml": "new\n"}, out)
    monkeypatch.undo()
    assert (out / "a.yaml").read_text() == "old\n"
    assert leftovers(tmp_path) == []
