"""The statement registry: built-in theorem modules (entry points) and users' conjecture files.

Theorem families are found through the ``checker.theorems`` entry-point group declared in
``pyproject.toml``, so the engine imports no theorem module by name.  A conjecture file is any
Python file that creates statements with :func:`checker.conjecture`.
"""
from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import sys
import traceback
from importlib.metadata import entry_points
from pathlib import Path

from .statements import Statement

_STATEMENTS: dict[str, Statement] = {}
_LOADED_BUILTINS = False
_BUILTIN_ERRORS: list[str] = []


class LoadError(RuntimeError):
    """A theorem module or conjecture file could not be loaded; the message names it and why."""


def register(stmt: Statement) -> Statement:
    """Add ``stmt``; a different statement under an id already taken is an error."""
    old = _STATEMENTS.get(stmt.id)
    if old is not None and old.origin != stmt.origin:
        raise LoadError(f"statement id {stmt.id!r} from {stmt.origin} is already defined in {old.origin}")
    _STATEMENTS[stmt.id] = stmt
    return stmt


def load_builtin() -> list[str]:
    """Import every module of the ``checker.theorems`` entry-point group (once).

    A module that fails to import does not stop the others; the messages are returned (and kept
    for :func:`builtin_errors`)."""
    global _LOADED_BUILTINS
    if not _LOADED_BUILTINS:
        _LOADED_BUILTINS = True
        for ep in sorted(entry_points(group="checker.theorems"), key=lambda e: e.name):
            try:
                ep.load()
            except Exception as exc:  # noqa: BLE001
                tb = traceback.extract_tb(exc.__traceback__)[-1]
                _BUILTIN_ERRORS.append(f"theorem module {ep.value} failed to import: {type(exc).__name__}: {exc} "
                                       f"({tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
    return list(_BUILTIN_ERRORS)


def builtin_errors() -> list[str]:
    """Messages of theorem modules that failed to import."""
    return list(_BUILTIN_ERRORS)


def load_file(path: str | Path) -> list[Statement]:
    """Import a conjecture file and return the statements it defined."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{path}: no such conjecture file")
    before = set(_STATEMENTS)
    name = "checker_conjectures_" + "_".join(path.resolve().with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
    if name in sys.modules:
        return [s for s in _STATEMENTS.values() if s.origin == str(path)]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"{path}: not an importable Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001
        sys.modules.pop(name, None)
        tb = traceback.extract_tb(exc.__traceback__)
        line = next((f.lineno for f in reversed(tb) if Path(f.filename).resolve() == path.resolve()), None)
        where = f"{path}:{line}" if line else str(path)
        raise LoadError(f"{where}: {type(exc).__name__}: {exc}") from None
    new = [s for s in _STATEMENTS.values() if s.id not in before or s.origin == str(path)]
    if not new:
        raise LoadError(f"{path}: defines no conjecture (call checker.conjecture(...) at module level)")
    return new


def statements() -> dict[str, Statement]:
    """Every registered statement by id (built-ins loaded first)."""
    load_builtin()
    return dict(_STATEMENTS)


def select(targets: list[str]) -> tuple[list[Statement], list[str]]:
    """Statements named by ids, globs of ids, or paths of conjecture files, in order, without
    repeats; and one message per target that could not be used (a file that fails to load, a
    pattern that matches nothing, a theorem module that fails to import), so that one bad target
    never stops the others."""
    errors = load_builtin()
    chosen: dict[str, Statement] = {}
    for target in targets:
        try:
            if target.endswith(".py") or Path(target).is_file():
                hits = load_file(target)
            else:
                hits = [s for i, s in sorted(_STATEMENTS.items()) if fnmatch.fnmatchcase(i, target)]
                if not hits:
                    raise LookupError(f"no statement matches {target!r}; `python -m checker list` shows the ids")
        except (LoadError, LookupError) as exc:
            errors.append(str(exc))
            continue
        for s in hits:
            chosen.setdefault(s.id, s)
    return list(chosen.values()), errors
