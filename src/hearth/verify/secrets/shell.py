"""A small reader of POSIX shell scripts, for the argument-list check (:mod:`~hearth.verify.secrets.argv`): the
simple commands of a script and, per word, what it expands.

It follows single and double quotes, backslashes, ``$VAR``, ``${VAR...}``, ``$(...)`` and backquotes, comments,
the control operators ``; & | ( )`` and newlines, and redirections (whose targets are no argument). It is no
shell: a construct it does not follow splits or joins words differently, which can only make it see fewer
arguments of a command, never invent a credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Word:
    """One shell word: its text with quotes removed (expansions left as written), the variables it expands outside
    single quotes, and the bodies of its command substitutions."""

    text: str = ""
    variables: list[str] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)
    started: bool = False


def _closing(script: str, start: int) -> int:
    """The index of the ``)`` closing the ``$(`` whose body starts at ``start`` (quotes and nesting followed)."""
    depth, i, quote = 1, start, ""
    while i < len(script):
        char = script[i]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "'\"":
            quote = char
        elif char == "\\":
            i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(script)


def _backtick(script: str, i: int, word: Word) -> int:
    """Read the command substitution at ``script[i] == "`"`` into ``word``; the index after it."""
    end = script.find("`", i + 1)
    end = len(script) if end < 0 else end
    word.substitutions.append(script[i + 1 : end])
    word.text += script[i : end + 1]
    return end + 1


def _dollar(script: str, i: int, word: Word) -> int:
    """Read the expansion at ``script[i] == "$"`` into ``word``; the index after it."""
    rest = script[i + 1 : i + 2]
    if rest == "(":
        end = _closing(script, i + 2)
        word.substitutions.append(script[i + 2 : end])
        word.text += script[i : end + 1]
        return end + 1
    if rest == "{":
        end = script.find("}", i + 2)
        end = len(script) if end < 0 else end
        found = _VAR.match(script, i + 2)
        if found:
            word.variables.append(found.group())
        word.text += script[i : end + 1]
        return end + 1
    found = _VAR.match(script, i + 1)
    if found:
        word.variables.append(found.group())
        word.text += "$" + found.group()
        return found.end()
    word.text += "$"
    return i + 1


def simple_commands(script: str) -> list[list[Word]]:
    """The script's simple commands, each its words (redirection targets left out)."""
    commands: list[list[Word]] = [[]]
    word, quote, redirect, i = Word(), "", False, 0

    def end_word() -> None:
        nonlocal word, redirect
        if word.started:
            if not redirect:
                commands[-1].append(word)
            redirect = False
        word = Word()

    while i < len(script):
        char = script[i]
        if quote == "'":
            if char == "'":
                quote = ""
            else:
                word.text += char
            i += 1
            continue
        if quote == '"':
            if char == '"':
                quote = ""
                i += 1
            elif char == "\\" and i + 1 < len(script):
                word.text += script[i + 1]
                i += 2
            elif char == "$":
                i = _dollar(script, i, word)
            elif char == "`":
                i = _backtick(script, i, word)
            else:
                word.text += char
                i += 1
            continue
        if char in "'\"":
            quote, word.started = char, True
            i += 1
        elif char == "\\" and i + 1 < len(script):
            if script[i + 1] != "\n":
                word.text += script[i + 1]
                word.started = True
            i += 2
        elif char == "$":
            word.started = True
            i = _dollar(script, i, word)
        elif char == "`":
            word.started = True
            i = _backtick(script, i, word)
        elif char == "#" and not word.started:
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
        elif char in " \t":
            end_word()
            i += 1
        elif char in "<>":
            if word.started and word.text.isdigit():  # 2>file: the descriptor, not a word
                word = Word()
            end_word()
            i += 1
            while i < len(script) and script[i] in "<>&|":
                i += 1
            redirect = True
        elif char in ";&|\n()":
            end_word()
            redirect = False
            if commands[-1]:
                commands.append([])
            i += 1
        else:
            word.text += char
            word.started = True
            i += 1
    end_word()
    return [c for c in commands if c]
