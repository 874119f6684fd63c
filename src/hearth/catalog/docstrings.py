"""The catalog models' field docstrings, read from their source when the reference or a schema is made.

A field is documented by the string under it, as pydantic's ``use_attribute_docstrings`` reads it. pydantic would
read every class's source each time the catalog is imported (a third of ``hearth validate``'s import time), though
only ``hearth schema``, ``hearth init`` and the reference need the text: so the models do not ask for it, and
``describe`` sets the same descriptions, once, on the models the reference covers.
"""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from functools import cache

from pydantic import BaseModel


@cache
def _module_docstrings(module: str) -> dict[str, dict[str, str]]:
    """{class qualified name: {field: docstring}} of every class in ``module``'s source (nested ones too)."""
    found: dict[str, dict[str, str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                name = f"{prefix}{node.name}"
                docs: dict[str, str] = {}
                for before, after in zip(node.body, node.body[1:], strict=False):
                    if (
                        isinstance(before, ast.AnnAssign)
                        and isinstance(before.target, ast.Name)
                        and isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)
                    ):
                        docs[before.target.id] = inspect.cleandoc(after.value.value)
                found[name] = docs
                visit(node.body, f"{name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, f"{prefix}{node.name}.<locals>.")

    source = inspect.getsource(sys.modules[module])
    visit(ast.parse(source).body, "")
    return found


def field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """{field: docstring} of ``model``'s fields, each from the class that declares the field (a subclass that
    declares a field again documents it again)."""
    docs: dict[str, str] = {}
    for name in model.model_fields:
        owner = next((c for c in model.__mro__ if name in inspect.get_annotations(c)), None)
        if owner is None:
            continue
        text = _module_docstrings(owner.__module__).get(owner.__qualname__, {}).get(name)
        if text is not None:
            docs[name] = text
    return docs


def _referred(annotation: object) -> list[type[BaseModel]]:
    """The models an annotation refers to, through lists, dicts, unions and Annotated."""
    found = [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []
    return found + [m for arg in typing.get_args(annotation) for m in _referred(arg)]


_described: set[type[BaseModel]] = set()


def describe(models: list[type[BaseModel]]) -> None:
    """Give every field of ``models`` without a description its docstring, and rebuild each model's schema (the
    models it refers to first) so its JSON Schema carries them. Done once per model."""
    pending = [m for m in models if m not in _described]
    for model in pending:
        for name, text in field_docstrings(model).items():
            info = model.model_fields[name]
            if info.description is None:
                info.description = text
    order: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in order or model not in pending:
            return
        order.append(model)  # marked before its fields, so a model that refers back to itself ends here
        for info in model.model_fields.values():
            for sub in _referred(info.annotation):
                visit(sub)
        order.remove(model)
        order.append(model)  # after the models it refers to

    for model in pending:
        visit(model)
    for model in order:
        model.model_rebuild(force=True)
        _described.add(model)
