"""The build's fast YAML path (``hearth.verify.build.fastyaml``) gives exactly what the duplicate-refusing loader
gives: the same documents (types, key order, lines) or the same one-line error, on every YAML file of the seed
build and on hostile and edge inputs; and it answers the plain documents itself rather than always deferring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.render.package.write import dump_all
from hearth.verify.build import manifests
from hearth.verify.build.fastyaml import MAX_DEPTH, plain_documents

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="the fast path needs libyaml")

PATH = Path("build/manifests/case.yaml")


def _outcome(parse: Any, text: str) -> str:
    """repr of the documents (types and order included), or the error line."""
    try:
        return repr([(doc.line, doc.obj) for doc in parse(text, PATH)])
    except manifests.ManifestError as exc:
        return f"error: {exc}"


def _same(text: str) -> str:
    fast, loader = _outcome(manifests.parse_documents, text), _outcome(manifests._loaded_documents, text)
    assert fast == loader, text
    return loader


# (case, text, does the fast path answer it itself)
CASES = [
    ("plain map", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b}\n", True),
    ("nested lists", "kind: X\nspec:\n- - 1\n  - [2, [3, {a: []}]]\n- {}\n", True),
    ("empty values", "kind: X\na:\nb: ''\nc: \"\"\nd: ~\ne: null\nf: Null\ng: NULL\n", True),
    ("yaml 1.1 booleans", "kind: X\nv: [yes, Yes, YES, no, No, on, On, ON, off, OFF, true, False, y, n, Y, N]\n", True),
    ("quoted booleans", "kind: X\nv: ['yes', \"on\", 'true', 'n']\n", True),
    ("octal-like", "kind: X\nv: [0755, 0o17, '0755', 08, 0x1F, 0b101, -0, +12, 1_000, 190:20:30, 0777_7]\n", True),
    ("floats", "kind: X\nv: [1.5, -.inf, .Inf, .NaN, 1e3, 1.0e+3, 6.8523015e+5, 685.230_15e+03, 190:20:30.1]\n", True),
    ("strings", "kind: X\nv: [a b, 'it''s', \"tab\\there\", \"\\u00e9\", é, -x, +x, .x, <x, =x, ~x, '']\n", True),
    ("blocks", "kind: X\na: |\n  one\n  two\nb: >-\n  folded\n  line\nc: |+\n  kept\n\nd: x\n", True),
    ("multi-doc", "---\nkind: A\n---\n---\nkind: B\n...\n---\n- not a map\n--- scalar\n---\nkind: C\n", True),
    ("empty", "", True),
    ("comments only", "# nothing\n", True),
    ("directive", "%YAML 1.1\n---\nkind: X\n", True),
    ("deep but bounded", "kind: X\nv: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "\n", True),
    ("duplicate key", "kind: X\nmetadata:\n  name: a\n  name: b\n", False),
    ("duplicate quoted and plain", "kind: X\n'a': 1\na: 2\n", False),
    ("duplicate number and string", "kind: X\n1: a\n'1': b\n", False),
    ("same boolean, two spellings", "kind: X\nyes: a\ntrue: b\n", False),
    ("quoted merge key twice", "kind: X\n'<<': a\n'<<': b\n", False),
    ("integer keys", "kind: X\nports:\n  80: http\n  443: https\n", False),
    ("null and boolean keys", "kind: X\n~: a\nno: b\n", False),
    ("merge key", "kind: X\nbase: &b {a: 1, c: 3}\nv:\n  <<: *b\n  a: 2\n", False),
    ("anchors and aliases", "kind: X\na: &x [1, 2]\nb: *x\nc: &s text\nd: *s\n", False),
    ("aliases nested", "kind: X\na: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n", False),
    ("undefined alias", "kind: X\na: *nowhere\n", False),
    ("tags", "kind: X\na: !!str 123\nb: !!int '7'\nc: !!float '1'\nd: !!binary aGVsbG8=\n", False),
    ("unknown tag", "kind: X\na: !custom thing\n", False),
    ("python tag", "kind: X\na: !!python/object:os.system ls\n", False),
    ("non-specific tag", "kind: X\na: ! 12\n", False),
    ("set and omap", "kind: X\ns: !!set {a, b}\no: !!omap [a: 1, b: 2]\n", False),
    ("timestamps", "kind: X\nd: 2024-01-01\nt: 2024-01-01T10:00:00Z\ns: 2001-12-14 21:59:43.10 -5\n", False),
    ("quoted timestamps", "kind: X\nd: '2024-01-01'\nt: \"2024-01-01T10:00:00Z\"\n", True),
    ("value key", "kind: X\na: =\n", False),
    ("complex key", "kind: X\n? [a, b]\n: c\n", False),
    ("mapping key", "kind: X\n? {a: 1}\n: c\n", False),
    ("kind List", "kind: List\nitems:\n- kind: A\n- kind: B\n  x: 1\n", False),
    ("kind List, bad items", "kind: List\nitems: 3\n", False),
    ("too deep", "kind: X\nv: " + "[" * 1200 + "]" * 1200 + "\n", False),
    ("unclosed quote", "kind: X\na: 'open\n", False),
    ("bad indentation", "kind: X\na:\n  b: 1\n c: 2\n", False),
    ("mapping in a scalar", "kind: X\na: b: c\n", False),
    ("tab indentation", "kind: X\na:\n\tb: 1\n", False),
    ("error in a later document", "---\nkind: A\n---\nkind: B\na: [1, 2\n", False),
    ("duplicate in a later document", "---\nkind: A\n---\nkind: B\nx: 1\nx: 2\n", False),
    ("control character", "kind: X\na: \x07\n", False),
]


@pytest.mark.parametrize(("text", "answered"), [(t, a) for _, t, a in CASES], ids=[c for c, _, _ in CASES])
def test_the_fast_path_gives_what_the_loader_gives(text: str, answered: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(text)
    # the fast path answers plain documents itself, and leaves to the loader what only the loader answers exactly
    deferred: list[str] = []
    loaded = manifests._loaded_documents
    monkeypatch.setattr(manifests, "_loaded_documents", lambda t, p: deferred.append(t) or loaded(t, p))
    _outcome(manifests.parse_documents, text)
    assert (not deferred) is answered


def test_the_errors_name_the_file_and_line() -> None:
    assert _same("kind: X\nmetadata:\n  name: a\n  name: b\n") == (
        f"error: {PATH}:4: invalid YAML: duplicate key 'name'"
    )
    assert _same("---\nkind: A\n---\nkind: B\nx: 1\nx: 2\n").startswith(f"error: {PATH}:6: ")


def test_aliases_are_shared_as_the_loader_shares_them() -> None:
    (doc,) = manifests.parse_documents("kind: X\na: &x [1, 2]\nb: *x\n", PATH)
    assert doc.obj["a"] is doc.obj["b"]


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "build"
    render(load_catalog(None), out)
    return out


def test_every_yaml_file_of_the_seed_build(seed_build: Path) -> None:
    files = sorted(p for p in seed_build.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    assert len(files) > 200
    answered = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _outcome(manifests.parse_documents, text) == _outcome(manifests._loaded_documents, text), path
        answered += plain_documents(text, manifests._Loader) is not None
    # every file hearth dumps is plain: the fast path answered all of manifests/ and cluster/ at least
    dumped = [p for p in files if p.parent.name in ("manifests", "cluster")]
    assert answered >= len(dumped) > 60


# strings that resolve to something else when plain, or that the dumper must quote
TRICKY = [
    "|",
    "yes",
    "no",
    "on",
    "Off",
    "~",
    "null",
    "0755",
    "0o17",
    "08",
    "1_0",
    "1e3",
    "1.5",
    ".inf",
    "-.nan",
    "0x1F",
    "12:30:45",
    "2024-01-01",
    "=",
    "<<",
    "a:b",
    "-x",
    "#c",
    "'q'",
    "é",
    "&a",
    "*a",
    "!t",
    "%",
    "@",
    "`",
    "{x}",
    "[x]",
    "a,b",
    "?k",
    "",
    "a: b",
    "- x",
    "line\nbreak",
    " lead",
    "trail ",
]
_TEXTS = st.sampled_from(TRICKY) | st.text(max_size=12)
_KEYS = _TEXTS | st.integers(-5, 5) | st.booleans()
_VALUES = st.recursive(
    _TEXTS | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_KEYS, _VALUES, max_size=5), min_size=1, max_size=3), st.booleans())
def test_random_documents_as_hearth_and_pyyaml_dump_them(documents: list[dict[Any, Any]], flow: bool) -> None:
    text = dump_all(documents) if not flow else yaml.safe_dump_all(documents, default_flow_style=True)
    _same(text)
