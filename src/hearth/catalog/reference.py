"""The catalog explained by its own models: a Markdown reference of every field and JSON Schemas for editors.

Both are generated from the pydantic models (their docstrings and each field's description), so the reference
cannot drift from what the loader accepts; ``tests/catalog/test_reference.py`` fails when a field has no
description or the committed ``docs/`` copies are stale. One schema per kind of file, since an editor applies a
schema to a file: ``platform.yaml``, a component under ``services/`` and ``claims.yaml``.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Iterator
from ipaddress import IPv4Address
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hearth.catalog.claims import Claims
from hearth.catalog.component import Component
from hearth.catalog.docstrings import describe
from hearth.catalog.platform import Platform

#: Each kind of catalog file: its schema's name, its root model and where it lives in a catalog.
FILES: dict[str, tuple[type[BaseModel], str]] = {
    "platform": (Platform, "platform.yaml"),
    "component": (Component, "services/<namespace>/<name>.yaml"),
    "claims": (Claims, "claims.yaml"),
}
SCHEMA_DIR = ".schema"


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation refers to, through lists, dicts, unions and Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def models_of(root: type[BaseModel]) -> list[type[BaseModel]]:
    """``root`` and every model its fields reach, in the order a reader meets them (depth first)."""
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for info in model.model_fields.values():
            for sub in _models(info.annotation):
                visit(sub)

    visit(root)
    return seen


def described() -> None:
    """Every model of every kind of file with its fields' docstrings as their descriptions (see docstrings.py)."""
    describe([model for root, _ in FILES.values() for model in models_of(root)])


def undocumented() -> list[str]:
    """``Model.field`` for every field of the catalog's models that has no description."""
    described()
    return [
        f"{model.__name__}.{name}"
        for root, _ in FILES.values()
        for model in models_of(root)
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]


#: Reader's names of the catalog's own field types, by the validator that defines each (fields.py).
VALIDATED_TYPES = {
    "_dns1123": "name",
    "_port_name": "port name",
    "_quantity": "quantity",
    "_cron": "cron",
    "_threshold": "quantity or %",
    "_capability": "capability",
    "_ipv4_address": "IPv4 address",
    "_ipv4_network": "IPv4 network",
}


def _validated(metadata: typing.Iterable[Any]) -> str | None:
    """The name of a catalog field type, from the validators in its metadata (None: not one of them)."""
    for item in metadata:
        func = getattr(item, "func", None)
        name = getattr(func, "__name__", "")
        if name in VALIDATED_TYPES:
            return VALIDATED_TYPES[name]
    return None


def _type_name(annotation: Any, metadata: typing.Iterable[Any] = ()) -> str:
    """A reader's name for a field's type: ``list of Port``, ``text``, ``one of: a, b``."""
    known = _validated(metadata)
    if known is not None:
        return known
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0], args[1:])
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in args if a is not type(None)]
        text = " or ".join(_type_name(a) for a in parts)
        return f"{text} (optional)" if len(parts) < len(args) else text
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    words: dict[Any, str] = {
        str: "text",
        int: "integer",
        float: "number",
        bool: "true/false",
        Any: "any",
        IPv4Address: "IPv4 address",
    }
    return words.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(info: FieldInfo) -> str:
    """The field's default as YAML would spell it, or ``required``."""
    if info.is_required():
        return "**required**"
    value = info.default if info.default is not PydanticUndefined else info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(defaults)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{json.dumps(value, default=str)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def reference_markdown() -> str:
    """The whole catalog reference as Markdown: per file, every model with each field's type, default and meaning."""
    lines = [
        "# Catalog reference",
        "",
        "<!-- Generated by `hearth schema --out docs` from the models in src/hearth/catalog/; do not edit. -->",
        "",
        "A catalog is a directory: `platform.yaml` (the platform as a whole), one file per component under",
        "`services/<namespace>/<name>.yaml`, and optionally `claims.yaml` (what a design document states, which",
        "`hearth check` measures). Every key below is checked when the catalog loads; an unknown key is an error.",
        "JSON Schemas for editors are in `schema/` (`hearth init` puts them in the catalog's `.schema/` and",
        "points each file at its schema with a `# yaml-language-server: $schema=` first line).",
        "",
    ]
    described()
    documented: set[type[BaseModel]] = set()
    for kind, (root, where) in FILES.items():
        lines += [f"## `{where}`", "", f"Schema: `schema/{kind}.schema.json`.", ""]
        for model in models_of(root):
            if model in documented:
                continue
            documented.add(model)
            doc = inspect.cleandoc(model.__doc__ or "")
            lines += [f"### {model.__name__}", "", " ".join(doc.split("\n\n")[0].split()), ""]
            lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
            for name, info in model.model_fields.items():
                key = info.alias or name
                meaning = _cell(info.description or "")
                lines.append(
                    f"| `{key}` | {_cell(_type_name(info.annotation, info.metadata))} | {_default(info)} | {meaning} |"
                )
            lines.append("")
    return "\n".join(lines)


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of catalog file, as pydantic validates it."""
    model, where = FILES[kind]
    described()
    schema = model.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"hearth catalog: {where}. Generated from the models; do not edit.",
        **schema,
    }


def schema_text(kind: str) -> str:
    """``json_schema(kind)`` as the text written to a file (stable key order, one trailing newline)."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"


def modeline(kind: str, depth: int) -> str:
    """The first line that points an editor's YAML language server at the schema in the catalog's ``.schema/``,
    from a file ``depth`` directories below the catalog root."""
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/{kind}.schema.json\n"


def documentation_files() -> dict[str, str]:
    """What ``hearth schema --out DIR`` writes: the reference and one schema per kind of file, by relative path."""
    files = {"catalog-reference.md": reference_markdown()}
    files |= {f"schema/{kind}.schema.json": schema_text(kind) for kind in FILES}
    return files
