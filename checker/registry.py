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
from types import ModuleType

from .statements import Statement

_STATEMENTS: dict[str, Statement] = {}
_LOADED_BUILTINS = False
_BUILTIN_ERRORS: list[str] = []
_FILES: dict[Path, list[str]] = {}  # conjecture file (resolved) -> the ids it defined
_MODULES: dict[Path, ModuleType] = {}  # conjecture file (resolved) -> its module
_LOADING: list[tuple[Path, dict[str, int]]] = []  # the file being imported, and its ids -> line


class LoadError(RuntimeError):
    """A theorem module or conjecture file could not be loaded; the message names it and why."""


_ENGINE = Path(__file__).resolve().parent


def _line_in(path: Path) -> int | None:
    """The line of ``path`` stating the statement being registered: the innermost frame outside the
    engine when it is in ``path`` (None when another module, e.g. one the file imports, states it)."""
    frame = sys._getframe(1)
    while frame is not None and Path(frame.f_code.co_filename).resolve().parent == _ENGINE:
        frame = frame.f_back
    if frame is not None and Path(frame.f_code.co_filename).resolve() == path:
        return frame.f_lineno
    return None


def register(stmt: Statement) -> Statement:
    """Add ``stmt``; a different statement under an id already taken is an error, and so is the
    same id twice in one conjecture file (the message names both lines)."""
    if _LOADING:
        path, ids = _LOADING[-1]
        line = _line_in(path)
        if line is not None:
            if stmt.id in ids:
                raise LoadError(f"duplicate statement id {stmt.id!r} (first defined at line {ids[stmt.id]}): "
                                f"give each conjecture its own id")
            ids[stmt.id] = line
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


def load_module(path: str | Path) -> ModuleType:
    """Import a user's Python file (once per process) and return its module; the statements it
    states are registered (:func:`load_file` returns them).

    Any exception while importing it (a malformed conjecture, a duplicate id, a float constant)
    is a :class:`LoadError` naming the file and the line of the file where it happened."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{path}: no such conjecture file")
    key = path.resolve()
    if key not in _FILES:
        name = "checker_conjectures_" + "_".join(key.with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise LoadError(f"{path}: not an importable Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        _LOADING.append((key, {}))
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001
            sys.modules.pop(name, None)
            for sid in _LOADING[-1][1]:
                _STATEMENTS.pop(sid, None)
            tb = traceback.extract_tb(exc.__traceback__)
            line = next((f.lineno for f in reversed(tb) if Path(f.filename).resolve() == key), None)
            where = f"{path}:{line}" if line else str(path)
            raise LoadError(f"{where}: {type(exc).__name__}: {exc}") from None
        finally:
            ids = _LOADING.pop()[1]
        _FILES[key], _MODULES[key] = list(ids), module
    return _MODULES[key]


def load_file(path: str | Path) -> list[Statement]:
    """Import a conjecture file (once per process, :func:`load_module`) and return the statements
    it defined; a file that defines none is a :class:`LoadError`."""
    stmts = file_statements(path)
    if not stmts:
        raise LoadError(f"{path}: defines no conjecture (call checker.conjecture(...) at module level)")
    return stmts


def file_statements(path: str | Path) -> list[Statement]:
    """The statements a loaded file states (none for a file of systems only)."""
    load_module(path)
    return [_STATEMENTS[i] for i in _FILES[Path(path).resolve()]]


def statements() -> dict[str, Statement]:
    """Every registered statement by id (built-ins loaded first)."""
    load_builtin()
    return dict(_STATEMENTS)


def select(targets: list[str]) -> tuple[list[Statement], list[str]]:
    """Statements named by targets, in order, without repeats; and one message per target that
    could not be used (a file that fails to load, a pattern that matches nothing, a theorem module
    that fails to import), so that one bad target never stops the others.

    A target is an id, a glob of ids (``'DHL-*'``), a conjecture file (all its statements) or
    ``FILE::PATTERN`` (the statements of FILE whose ids match the glob PATTERN)."""
    errors = load_builtin()
    chosen: dict[str, Statement] = {}
    for target in targets:
        path, sep, pattern = target.partition("::")
        try:
            if sep or path.endswith(".py") or Path(path).is_file():
                hits = [s for s in load_file(path) if fnmatch.fnmatchcase(s.id, pattern or "*")]
                if not hits:
                    raise LookupError(f"{path} defines no statement matching {pattern!r}; it defines "
                                      f"{', '.join(s.id for s in load_file(path))}")
            else:
                hits = [s for i, s in sorted(_STATEMENTS.items()) if fnmatch.fnmatchcase(i, target)]
                if not hits:
                    raise LookupError(f"no statement matches {target!r}; `python -m checker list` shows the ids "
                                      f"(a conjecture file's ids need the file: FILE::{target})")
        except (LoadError, LookupError) as exc:
            errors.append(str(exc))
            continue
        for s in hits:
            chosen.setdefault(s.id, s)
    return list(chosen.values()), errors
