"""The direct YAML writer (hearth.render.package.emit) writes what PyYAML's HearthDumper writes, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.catalog.loader import load_catalog
from hearth.render.package import write
from hearth.render.package.emit import PlainEmitter
from hearth.render.package.files import package
from hearth.render.platform import render_platform
from hearth.resolve import resolve


def test_every_document_of_the_seed_build_is_written_directly_as_pyyaml_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents: list[Any] = []
    emitter = PlainEmitter(write.pyyaml_text)

    def recorded(data: Any) -> str:
        documents.append(data)
        return emitter.dump(data)

    monkeypatch.setattr(write._EMITTER, "dump", recorded)
    resolved = resolve(load_catalog(None))
    package(render_platform(resolved), resolved)
    assert len(documents) > 500
    for data in documents:
        text = emitter.emit(data)
        assert text is not None, f"not written directly: {str(data)[:200]}"
        assert text == write.pyyaml_text(data)


_TRICKY = [
    *("y", "Y", "n", "N", "yes", "No", "on", "OFF", "true", "False", "~", "null", "Null", "NULL", ""),
    *("0755", "1e3", "1_000", "0x1f", "0b11", "+1", "-1", ".5", "1.", ".inf", "-.Inf", ".nan", "1:20", "2026-12-07"),
    *("<<", "=", "-", "--", "---", "--flag", "...", "..x", "?", "? x", ":", ":x", "x:", "a: b", "a:b", "a #b", "a#b"),
    *("#x", "*x", "&x", "!x", "%x", "@x", "`x", "|", ">", "[x]", "{x}", ",x", "x,y", "'q'", '"dq"', "it's"),
    *(" lead", "trail ", " ", "\t", "a\tb", "é", "naïve café", "日本", "\u2028", "a\rb", "\x85", "\ufeff", "\x07"),
    *("one\ntwo", "one\ntwo\n", "one\n\ntwo\n\n", "\n", "\nlead", " lead\nx", "x\n ", "trail \nx", "a\n\tb"),
    *("{{ .Values.x }}", "$(VAR)", "/path/to:file", "http://h:80/p?q=1#f", "x" * 129, "k" * 128),
]
_TEXT = st.text(st.characters(codec="utf-8", categories=None), max_size=12) | st.text(
    st.sampled_from(list(" \n\t:#-?'\"!&*|>%@`{}[],.~=<0123456789eEyYnNxtrufalsONn\\é")), max_size=10
)
_STRINGS = _TEXT | st.sampled_from(_TRICKY)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | _STRINGS
_KEYS = _STRINGS | st.integers() | st.booleans() | st.none()
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=4)
        | st.just({})
        | st.just([])
    ),
    max_leaves=24,
)


@settings(max_examples=1500, deadline=None)
@given(_DOCUMENTS)
def test_the_direct_writer_matches_pyyaml_on_generated_data(data: Any) -> None:
    emitter = PlainEmitter(write.pyyaml_text)
    reference = write.pyyaml_text(data)
    assert emitter.dump(data) == reference
    assert emitter.dump(data) == reference  # the second time from what it remembered
    assert write.dump_yaml(data) == reference


@pytest.mark.parametrize("value", _TRICKY)
@pytest.mark.parametrize("place", ["value", "key", "item", "nested"])
def test_the_direct_writer_matches_pyyaml_on_tricky_strings(value: str, place: str) -> None:
    data: Any = {
        "value": {"k": value},
        "key": {value: 1, "other": [value]},
        "item": [value, [value], {"a": value}],
        "nested": {"a": [{"b": {"c": [[value, {value: value}]]}}]},
    }[place]
    assert PlainEmitter(write.pyyaml_text).dump(data) == write.pyyaml_text(data)


def test_what_it_cannot_place_goes_the_reference_way() -> None:
    emitter = PlainEmitter(write.pyyaml_text)
    assert emitter.emit("top-level scalar") is None
    assert emitter.emit({"k": "a\u2028b\n"}) is None  # a line separator inside a block
    assert emitter.emit({1.5: "float key"}) is None
    assert emitter.emit({"x" * 129: 1}) is None  # not a simple key
    assert emitter.emit({"k": object()}) is None
    assert emitter.emit({"k": "plain", "m": [1, True, None, 2.5]}) == "k: plain\nm:\n- 1\n- true\n- null\n- 2.5\n"
