"""Measurement caches shared by every statement about the same instance.

Several statements of a family measure different quantities of one expensive object (a trajectory,
a minimiser, a spectrum) built from the same instance.  :func:`shared` memoises the function that
builds it, keyed by the *canonical JSON* of its arguments (instances are dicts of rationals and
strings; NumPy arrays and dataclasses of such values are canonicalised too), so theorem modules
neither serialise instances by hand nor hold caches of their own.  Each cache is bounded (least
recently used entries are dropped) and ``clear_all()`` empties every cache (tests, benchmarks).
"""
from __future__ import annotations

import dataclasses
import functools
import json
from collections import OrderedDict
from typing import Any, Callable, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])
_CACHES: list[OrderedDict] = []


def canonical(value: Any) -> Any:
    """A JSON-serialisable canonical form of ``value`` (dict keys sorted by ``json.dumps`` later)."""
    if isinstance(value, np.ndarray):
        return {"__array__": value.dtype.str if value.dtype != object else "object",
                "shape": list(value.shape), "data": [canonical(v) for v in value.reshape(-1).tolist()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__qualname__,
                **{f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)
    return f"{type(value).__qualname__}:{value}"  # fmpq, arb, … print exactly


def shared(maxsize: int = 256) -> Callable[[F], F]:
    """Memoise ``fn(*args, **kwargs)`` on the canonical JSON of its arguments, keeping ``maxsize``
    entries.  The cached value is returned as is: callers must not mutate it."""

    def wrap(fn: F) -> F:
        store: OrderedDict[str, Any] = OrderedDict()
        _CACHES.append(store)

        @functools.wraps(fn)
        def cached(*args: Any, **kwargs: Any) -> Any:
            key = json.dumps([canonical(args), canonical(kwargs)], sort_keys=True)
            if key in store:
                store.move_to_end(key)
                return store[key]
            value = fn(*args, **kwargs)
            store[key] = value
            if len(store) > maxsize:
                store.popitem(last=False)
            return value

        cached.cache_clear = store.clear  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return wrap


def clear_all() -> None:
    """Empty every shared cache."""
    for store in _CACHES:
        store.clear()
