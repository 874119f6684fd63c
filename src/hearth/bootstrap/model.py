"""Steps, changes and results: the facts-then-operations model of ``hearth bootstrap`` (pyinfra's model).

A step reads the current state first (its facts) and returns only the changes that state lacks, each a
description and the action that makes it. Running a step applies those changes; a step whose facts already match
returns none and is reported ``unchanged``. Since every step decides from what it reads, never from a record of
earlier runs, a run killed anywhere and started again converges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    """What a step did: ``created`` (changes made), ``unchanged``, ``failed``; in a dry run ``planned``; after a
    failure the steps not run are ``skipped``."""

    created = "created"
    unchanged = "unchanged"
    failed = "failed"
    planned = "planned"
    skipped = "skipped"


@dataclass(frozen=True)
class Change:
    """One difference between the state read and the state wanted: what it is, and how to make it."""

    description: str
    apply: Callable[[], None]


class StepError(Exception):
    """A step cannot read or change its state: one line for the report, never a secret."""


class Unreachable(StepError):
    """The server a step talks to does not answer: a failure even in a dry run."""


class Step(Protocol):
    """A unit of the bootstrap: a name, a sentence saying what it ensures, and ``changes`` read from the state."""

    name: str
    summary: str

    def changes(self) -> list[Change]:
        """Read the current state and return what differs from the wanted one (empty: nothing to do)."""
        ...


@dataclass
class FuncStep:
    """A step from a function that reads the state and returns the changes it lacks."""

    name: str
    summary: str
    read: Callable[[], list[Change]]

    def changes(self) -> list[Change]:
        """The changes ``read`` finds against the current state."""
        return self.read()


@dataclass
class StepResult:
    """The report of one step: status, the changes (made, or planned in a dry run) and an error line."""

    name: str
    summary: str
    status: Status
    changes: list[str] = field(default_factory=list)
    error: str = ""
    unreachable: bool = False
    """The step failed because its server did not answer (``Unreachable``): the command's exit status 2."""

    def as_json(self) -> dict[str, object]:
        """The JSON form of ``hearth bootstrap -o json``."""
        return {
            "step": self.name,
            "summary": self.summary,
            "status": str(self.status),
            "changes": list(self.changes),
            "error": self.error,
        }
