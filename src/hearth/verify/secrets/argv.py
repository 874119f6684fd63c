"""No credential in an argument list: a process's arguments are readable by every user of its node (``ps``,
``/proc/<pid>/cmdline`` is world-readable), so a password there is out, whatever protects the file it came from.

Read from every container of every pod template (init, regular, ephemeral): its ``command`` and ``args`` as the
kubelet passes them and, for a shell script (``sh -c SCRIPT``, ``bash -ec SCRIPT``), each simple command of the
script as the shell would run it. Four kinds of finding, each naming the pod, the container and the argument's
option or variable, never a value:

* ``option``: an option whose name says it carries a credential (password, passwd, pwd, secret, token, api-key,
  access-key, private-key, credential) given a value (``--password=X``, ``--password X``, ``--password="$P"``),
  unless its name says the value is where to read the credential (``--password-file``, ``--token-path``,
  ``--password-stdin``) or it is a boolean (``--no-role-passwords``);
* ``url``: a URL with a password in its user info (``mongodb://user:$PASSWORD@host``);
* ``expansion``: in a shell script, an argument of a program (not a builtin such as ``export``, ``echo`` or
  ``printf``, which run inside the shell and start no process) that expands a credential-named variable
  (``$MONGO_PASSWORD``, ``${DB_TOKEN}``) or substitutes the output of a command reading ``/vault/secrets``;
* ``kubernetes``: a ``$(NAME)`` the kubelet expands in ``command``/``args`` from the container's environment
  (kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#use-environment-variables-
  to-define-arguments), NAME a variable from a Secret (``secretKeyRef``) or credential-named.

The shell reading (:mod:`~hearth.verify.secrets.shell`) is deliberately small; a script it cannot follow yields
fewer words, never a value in the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hearth.verify.build.model import Build
from hearth.verify.secrets.shell import Word, simple_commands

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
# Commands the shell runs itself (POSIX special and regular built-ins, as dash, busybox ash and bash have them):
# their arguments are in no process's argv. ``exec`` and ``command`` are not here: they run a program.
BUILTINS = frozenset(
    {
        "export", "readonly", "local", "declare", "typeset", "set", "unset", "echo", "printf", "test", "[",
        "read", "cd", ".", "source", ":", "true", "false", "shift", "return", "exit", "trap", "wait", "umask",
        "alias", "unalias", "getopts", "hash", "break", "continue", "let", "for", "case", "in", "esac",
    }
)  # fmt: skip
# Reserved words that may stand before a command in the same simple command's position.
PREFIXES = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time"})
# Words that run the program named after them (its arguments are that program's argv).
RUNNERS = frozenset({"exec", "command", "nohup"})
CREDENTIAL = re.compile(
    r"pass(word|wd)?|(?<![A-Za-z])pwd|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|credential", re.I
)
# A name ending so holds where the credential is, or how it is read, not the credential itself.
INDIRECT = re.compile(r"[_.-](file|path|dir|directory|env|stdin|command|cmd|prompt|ref|name|id|ttl|audience)s?$", re.I)
NOT_CREDENTIAL = frozenset({"PWD", "OLDPWD"})
OPTION = re.compile(r"^(-{1,2})([A-Za-z0-9][A-Za-z0-9_.-]*)(=(.*))?$", re.S)
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\"']*:[^/\s@\"']+@")
KUBE_REF = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
VAULT_FILES = "/vault/secrets"


@dataclass(frozen=True)
class ArgvFinding:
    """One credential in one container's arguments: where, which kind, and the option or variable (no value)."""

    reader: str
    container: str
    kind: str
    detail: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"reader": self.reader, "container": self.container, "kind": self.kind, "detail": self.detail}


def credential_name(name: str) -> bool:
    """Whether an option or variable name says its value is a credential (not where to read one)."""
    bare = name.lstrip("-")
    if bare.upper() in NOT_CREDENTIAL or bare.lower().startswith("no-") or INDIRECT.search(bare):
        return False
    return CREDENTIAL.search(bare) is not None


def _program_arguments(words: list[Word]) -> list[Word]:
    """The words of a simple command that reach a program's argv: none for a builtin; no leading assignments."""
    rest = list(words)
    while rest and (rest[0].text in PREFIXES or rest[0].text in RUNNERS or _ASSIGNMENT.match(rest[0].text)):
        rest = rest[1:]
    if not rest or rest[0].text in BUILTINS or rest[0].text.endswith("()"):
        return []
    return rest


def _option(arguments: Sequence[str], index: int) -> str | None:
    """The credential option ``arguments[index]`` is, given a value (inline or the next argument), if it is one."""
    found = OPTION.match(arguments[index])
    if found is None or not credential_name(found.group(2)):
        return None
    if found.group(3) is not None:
        return found.group(1) + found.group(2) if found.group(4) else None
    after = arguments[index + 1] if index + 1 < len(arguments) else None
    return found.group(1) + found.group(2) if after and not after.startswith("-") else None


def _word_findings(texts: Sequence[str]) -> Iterator[tuple[int, str, str]]:
    """(index, kind, detail) of every option or URL credential among arguments ``texts``."""
    for index, text in enumerate(texts):
        option = _option(texts, index)
        if option is not None:
            yield index, "option", option
        elif URL_PASSWORD.search(text):
            yield index, "url", "a URL with a password in its user info"


def script_findings(script: str) -> list[tuple[str, str]]:
    """(kind, detail) of each credential a shell script passes to a program's argv."""
    out: list[tuple[str, str]] = []
    for command in simple_commands(script):
        arguments = _program_arguments(command)
        flagged = set()
        for index, kind, detail in _word_findings([w.text for w in arguments]):
            flagged.add(index)
            out.append((kind, f"{arguments[0].text}: {detail}"))
        for index, word in enumerate(arguments):
            if index in flagged:
                continue
            names = [v for v in word.variables if credential_name(v)]
            if names:
                out.append(("expansion", f"{arguments[0].text}: ${names[0]}"))
            elif any(VAULT_FILES in s for s in word.substitutions):
                out.append(("expansion", f"{arguments[0].text}: a command substitution reading {VAULT_FILES}"))
        for word in command:  # a command substitution's own commands
            for body in word.substitutions:
                out += script_findings(body)
    return out


def _script_index(argv: Sequence[str]) -> int | None:
    """The index of the script in ``sh -c SCRIPT`` (``-c`` possibly among other one-letter flags), if it is one."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in SHELLS:
        return None
    for index in range(1, len(argv)):
        flag = argv[index]
        if not flag.startswith("-") or flag.startswith("--"):
            return None
        if "c" in flag[1:]:
            return index + 1 if index + 1 < len(argv) else None
    return None


def _secret_variables(container: Mapping[str, Any]) -> set[str]:
    """The container's environment variables that hold a credential: from a Secret, or credential-named."""
    out = set()
    for variable in container.get("env") or []:
        if not isinstance(variable, Mapping) or not isinstance(variable.get("name"), str):
            continue
        source = variable.get("valueFrom") or {}
        if (isinstance(source, Mapping) and "secretKeyRef" in source) or credential_name(variable["name"]):
            out.add(variable["name"])
    return out


def container_findings(container: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, detail) of each credential in one container's command and args."""
    argv = [str(a) for a in [*(container.get("command") or []), *(container.get("args") or [])]]
    secret = _secret_variables(container)
    out = [("kubernetes", f"$({name})") for a in argv for name in KUBE_REF.findall(a) if name in secret]
    script = _script_index(argv)
    plain = argv if script is None else argv[:script] + argv[script + 1 :]
    out += [(kind, detail) for _, kind, detail in _word_findings(plain)]
    if script is not None:
        out += script_findings(argv[script])
    return out


def argv_findings(build: Build) -> list[ArgvFinding]:
    """Every credential in a container's argument list, over every pod template of the build."""
    out = []
    for pod in build.pods:
        kinds = ("initContainers", "containers", "ephemeralContainers")
        for container in [c for kind in kinds for c in pod.spec.get(kind) or []]:
            if not isinstance(container, Mapping):
                continue
            name = str(container.get("name", ""))
            for kind, detail in container_findings(container):
                out.append(ArgvFinding(f"{pod.kind} {pod.namespace}/{pod.name}", name, kind, detail))
    return out
