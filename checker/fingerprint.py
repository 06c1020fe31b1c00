"""Fingerprints: a hash of everything a statement's verdict is a function of, besides the seed.

``fingerprint(stmt, profile)`` is the sha256 (hex) of

* the conclusion and the extra hypotheses (SymPy ``srepr``, so ``2*x`` and ``x*2`` agree and a
  changed constant does not), the statement's id and expectation;
* the system's name and parameters;
* the profile's evidence-shaping settings (instances, shards, precision and tolerance ladder,
  escalations, shrink steps) — the time guards are not part of it;
* the source text of the modules defining the system's measurement, scope and instance
  features (the theorem module, for a family's system);
* the source text of the engine (:func:`engine_digest`: every module of ``checker`` but those
  that only present or schedule results, :data:`PRESENTATION`).

Two rows with the same fingerprint were computed from the same claim by the same measurement
code at the same tolerances; a committed report whose fingerprints differ from the code's is
stale, and ``report --reuse`` re-runs every row an engine change could have changed.
"""
from __future__ import annotations

import hashlib
import inspect
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import sympy

from .profiles import Profile
from .statements import Statement


def _module_sources(stmt: Statement) -> list[str]:
    """Source texts of the modules defining the system's measure, scope and features (sorted by name)."""
    system = stmt.system
    funcs = [system.measure, system.scope, getattr(system, "features", None), getattr(system, "trajectory", None)]
    modules = {m.__name__: m for m in (inspect.getmodule(f) for f in funcs if f is not None) if m is not None}
    out = []
    for name in sorted(modules):
        try:
            out.append(name + "\n" + inspect.getsource(modules[name]))
        except (OSError, TypeError):  # a module without a source file (built in, interactive)
            out.append(name)
    return out


#: Engine modules that present, schedule or distribute results and never shape one.
PRESENTATION = frozenset({"__init__", "__main__", "cli", "report", "runner", "pytest_plugin", "dask_executor"})


@lru_cache(maxsize=None)
def engine_digest(exclude: frozenset[str] = PRESENTATION) -> str:
    """sha256 (hex) of the source of every engine module (``checker/*.py``, by name) not in ``exclude``."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.stem not in exclude:
            h.update(path.stem.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _profile_part(profile: Profile) -> dict[str, Any]:
    p = profile.precision
    return {"name": profile.name, "max_examples": profile.max_examples, "shards": profile.shards,
            "bits": p.bits, "rtol": p.rtol, "escalations": profile.escalations,
            "shrink_steps": profile.shrink_steps}


def fingerprint(stmt: Statement, profile: Profile) -> str:
    """The statement's fingerprint at ``profile`` (see the module docstring)."""
    claim = {
        "id": stmt.id, "expect": stmt.expect,
        "relation": sympy.srepr(stmt.relation),
        "hypotheses": [sympy.srepr(h) for h in stmt.hypothesis_relations],
        "system": stmt.system.name,
        "parameters": {str(k): repr(v) for k, v in sorted(stmt.system.parameters.items(), key=lambda kv: str(kv[0]))},
        "profile": _profile_part(profile),
    }
    h = hashlib.sha256(json.dumps(claim, sort_keys=True).encode())
    h.update(b"\0" + engine_digest().encode())
    for source in _module_sources(stmt):
        h.update(b"\0" + source.encode())
    return h.hexdigest()
