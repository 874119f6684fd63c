"""Mutated catalogs never crash the loader: ``load_catalog`` succeeds or raises one located CatalogError.

Starting from the valid fixture platforms, each example breaks one file — structurally (delete, retype,
insert or rename a key, swap list items), as text (corrupt, insert or drop bytes, truncate) or as a file
(rename, move, copy, empty, delete) — and loads the result.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth.catalog.loader import load_catalog
from hearth.catalog.yamlsource import CatalogError, read_yaml

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "valid"
PLATFORMS: dict[str, dict[str, bytes]] = {
    p.name: {f.relative_to(p).as_posix(): f.read_bytes() for f in sorted(p.rglob("*.yaml"))}
    for p in sorted(VALID.iterdir())
    if p.is_dir()
}
ERROR_LINE = re.compile(r"^.+:\d+: .+: .+$")
Path_ = tuple[str | int, ...]

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "latest", "0", "-1", "99999", "8 GB", "two", "10.0.0.0/8", "a_b", "UPPER", "/"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=5,
)


def assert_loads_or_reports(root: Path) -> None:
    """Load ``root``; only a CatalogError may escape, each of its problems one ``FILE:LINE: FIELD: message`` line."""
    try:
        load_catalog(root)
    except CatalogError as exc:
        assert exc.errors, exc
        for error in exc.errors:
            text = str(error)
            assert len(text.splitlines()) == 1, text
            assert ERROR_LINE.match(text), text
            source = Path(error.file)
            if source.is_file():
                assert 1 <= error.line <= len(source.read_bytes().splitlines()) + 1, text
        assert exc.lines() == [str(e) for e in sorted(exc.errors, key=lambda e: e.sort_key())]


def load_mutated(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, content in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        assert_loads_or_reports(root)


def nodes(data: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every (path, value) inside a parsed YAML document, the document itself first."""
    found: list[tuple[Path_, Any]] = [(path, data)]
    if isinstance(data, dict):
        for key, value in data.items():
            found += nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += nodes(value, (*path, index))
    return found


def parent_of(data: Any, path: Path_) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def choose_document(draw: st.DrawFn) -> tuple[dict[str, bytes], str, Any]:
    files = dict(PLATFORMS[draw(st.sampled_from(sorted(PLATFORMS)))])
    rel = draw(st.sampled_from(sorted(files)))
    return files, rel, yaml.safe_load(files[rel])


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


@st.composite
def structural_mutation(draw: st.DrawFn) -> dict[str, bytes]:
    files, rel, data = choose_document(draw)
    inner = [(p, v) for p, v in nodes(data) if p]
    kind = draw(st.sampled_from(["delete", "retype", "insert", "rename", "swap"]))
    if kind == "delete":
        path, _ = draw(st.sampled_from(inner))
        del parent_of(data, path)[path[-1]]
    elif kind == "retype":
        path, old = draw(st.sampled_from(inner))
        new = draw(values.filter(lambda v: type(v) is not type(old)))
        parent_of(data, path)[path[-1]] = new
    elif kind == "insert":
        mappings = [v for _, v in nodes(data) if isinstance(v, dict)]
        target = draw(st.sampled_from(mappings))
        target[draw(st.text(max_size=12))] = draw(values)
    elif kind == "rename":
        keyed = [(p, v) for p, v in inner if isinstance(p[-1], str)]
        path, value = draw(st.sampled_from(keyed))
        known = sorted({str(p[-1]) for p, _ in keyed})
        new_key = draw(st.text(max_size=12) | st.sampled_from(known))
        parent = parent_of(data, path)
        del parent[path[-1]]
        parent[new_key] = value
    else:
        lists = [v for _, v in nodes(data) if isinstance(v, list) and len(v) >= 2]
        if lists:
            items = draw(st.sampled_from(lists))
            i = draw(st.integers(0, len(items) - 1))
            j = draw(st.integers(0, len(items) - 1))
            items[i], items[j] = items[j], items[i]
    files[rel] = dump(data)
    return files


@st.composite
def text_mutation(draw: st.DrawFn) -> dict[str, bytes]:
    files = dict(PLATFORMS[draw(st.sampled_from(sorted(PLATFORMS)))])
    rel = draw(st.sampled_from(sorted(files)))
    content = bytearray(files[rel])
    kind = draw(st.sampled_from(["corrupt", "insert", "drop", "truncate"]))
    at = draw(st.integers(0, len(content)))
    if kind == "corrupt":
        for _ in range(draw(st.integers(1, 4))):
            spot = draw(st.integers(0, len(content) - 1))
            content[spot] = draw(st.integers(0, 255))
    elif kind == "insert":
        noise = draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b"\t", b":", b"- ", b"{", b"&a *a", b"\n  "]))
        content[at:at] = noise
    elif kind == "drop":
        del content[at : at + draw(st.integers(1, 40))]
    else:
        del content[at:]
    files[rel] = bytes(content)
    return files


@st.composite
def file_mutation(draw: st.DrawFn) -> dict[str, bytes]:
    files = dict(PLATFORMS[draw(st.sampled_from(sorted(PLATFORMS)))])
    components = sorted(rel for rel in files if rel.startswith("services/"))
    rel = draw(st.sampled_from(components))
    folders = sorted({r.rsplit("/", 1)[0] for r in components} | {"services", "services/elsewhere"})
    stem = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True) | st.sampled_from(["Idp", "my_app", "x.y"])
    kind = draw(st.sampled_from(["rename", "move", "copy", "empty", "delete", "platform"]))
    if kind == "rename":
        files[f"{rel.rsplit('/', 1)[0]}/{draw(stem)}.yaml"] = files.pop(rel)
    elif kind == "move":
        files[f"{draw(st.sampled_from(folders))}/{rel.rsplit('/', 1)[1]}"] = files.pop(rel)
    elif kind == "copy":
        files[f"{draw(st.sampled_from(folders))}/{draw(stem)}.yaml"] = files[rel]
    elif kind == "empty":
        files[rel] = b""
    elif kind == "delete":
        del files[rel]
    else:
        del files["platform.yaml"]
    return files


@SETTINGS
@given(structural_mutation())
def test_structural_mutations_load_or_report(files: dict[str, bytes]) -> None:
    load_mutated(files)


@SETTINGS
@given(text_mutation())
def test_text_corruption_loads_or_reports(files: dict[str, bytes]) -> None:
    load_mutated(files)


@settings(max_examples=40, deadline=None)
@given(file_mutation())
def test_file_mutations_load_or_report(files: dict[str, bytes]) -> None:
    load_mutated(files)


def test_unmutated_platforms_load() -> None:
    for name in PLATFORMS:
        load_catalog(VALID / name)


@given(st.text(max_size=20), st.text(max_size=20))
@settings(max_examples=50)
def test_catalog_error_is_one_line(field: str, message: str) -> None:
    """Whatever a message holds, the error prints on one line (a key may contain a newline)."""
    text = str(CatalogError("f.yaml", 3, field or "x", message or "m"))
    assert len(text.splitlines()) == 1


@st.composite
def hostile_yaml(draw: st.DrawFn) -> bytes:
    """YAML built from the pieces that stall naive loaders: deep flow or block nesting, anchors and aliases
    (chains, fans, self-references), merge keys, duplicate keys, tags, and raw bytes that are not UTF-8."""
    pieces: list[str] = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flow", "block", "fan", "chain", "self", "merge", "dup", "tag", "bytes"]))
        depth = draw(st.integers(1, 120))
        if kind == "flow":
            pieces.append(f"k{index}: " + "[" * depth + "]" * draw(st.integers(0, depth)))
        elif kind == "block":
            pieces.append("".join(f"{'  ' * i}b{index}_{i}:\n" for i in range(depth)) + "  " * depth + "v: 1")
        elif kind == "fan":
            pieces.append(f"f{index}: &f{index} [x, y, z]")
            pieces += [f"g{index}_{i}: &g{index}_{i} [{', '.join([f'*f{index}'] * 9)}]" for i in range(depth % 8)]
        elif kind == "chain":
            pieces.append(f"c{index}_0: &c{index}_0 [x]")
            pieces += [f"c{index}_{i}: &c{index}_{i} [*c{index}_{i - 1}]" for i in range(1, depth)]
        elif kind == "self":
            pieces.append(f"s{index}: &s{index} [*s{index}]")
        elif kind == "merge":
            pieces.append(f"m{index}: &m{index} {{a: 1}}\nn{index}: {{<<: *m{index}, b: 2}}")
        elif kind == "dup":
            pieces.append(f"d{index}: 1\nd{index}: 2")
        elif kind == "tag":
            pieces.append(f"t{index}: !!python/object:os.system [x]")
        else:
            pieces.append(f"r{index}: " + draw(st.binary(max_size=8)).decode("utf-8", "surrogateescape"))
    return "\n".join(pieces).encode("utf-8", "surrogateescape") + b"\n"


@settings(max_examples=60, deadline=None)
@given(hostile_yaml())
def test_hostile_yaml_parses_or_reports_one_line(content: bytes) -> None:
    """Whatever the structure, ``read_yaml`` returns a document or raises the catalog's own error, on one line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app.yaml"
        path.write_bytes(content)
        try:
            read_yaml(path)
        except CatalogError as exc:
            assert all(ERROR_LINE.match(line) for line in exc.lines()), exc.lines()
