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


@dataclass
class ProviderStep:
    """A step of one provider's grants, run before or after that provider is deployed.

    On day one ``hearth bootstrap`` runs once Vault is up, before the providers exist (their pods wait for the
    marker this run writes), and again once they run. So when the provider's server does not answer
    (``Unreachable``), the provider is recorded in ``deferred``: its later steps fail the same way without being
    tried (Vault would be asked to reach a server that is not there), the runner goes on with the other
    providers' steps (``independent``), and the marker does not name it. Any other failure stops the run."""

    step: Step
    provider: str
    deferred: set[str]
    independent: bool = True
    name: str = field(init=False)
    summary: str = field(init=False)

    def __post_init__(self) -> None:
        self.name, self.summary = self.step.name, self.step.summary

    def changes(self) -> list[Change]:
        """The wrapped step's changes, each recording the provider as deferred when its server does not answer."""
        if self.provider in self.deferred:
            raise Unreachable(
                f"{self.provider} did not answer an earlier step: run hearth bootstrap again once it runs"
            )
        try:
            found = self.step.changes()
        except Unreachable:
            self.deferred.add(self.provider)
            raise
        return [Change(c.description, self._guarded(c.apply)) for c in found]

    def _guarded(self, apply: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                apply()
            except Unreachable:
                self.deferred.add(self.provider)
                raise

        return run
