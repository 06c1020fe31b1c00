"""Integrators: solve a :class:`~checker.dynamics.Flow` or iterate a :class:`~checker.dynamics.Step`,
and say how wrong the answer may be.

Every integrator returns a :class:`Solution`: the parameters (and auxiliary state) at the requested
checkpoints together with an error for each checkpoint and the kind of that error (as in diffrax,
where a solver's step returns its error estimate as part of the contract):

:func:`solve` — float64, adaptive (``scipy.integrate.solve_ivp``, DOP853 by default).  Two solves, at
    ``rtol`` and ``rtol/1000``; the finer one is returned and the difference is its error
    (``estimate``: it over-estimates the finer solve's error when the method converges).  DOP853
    preserves no quadratic invariant, so a conserved quantity staying within this error is evidence.
:func:`solve_ball` — classical RK4 in python-flint ``arb`` balls with ``steps`` and ``2·steps``
    steps per interval; error ``16/15·|difference|`` (Richardson, fourth order) plus the balls' radii
    (``estimate``: the Richardson factor assumes the asymptotic regime).
:func:`iterate` — a Step rule for ``k = 0 … K−1`` in the number type of ``θ₀``: exact rationals give
    error 0 (``exact``); arb balls their radii (``ball``: rigorous); float64 the difference to the
    same iteration in extended precision (``np.longdouble``; ``estimate``).

The long-horizon classification flows in reparametrised clocks with kink events are the options of
:func:`checker.clocks.checked_flow`, whose trajectories carry the same kind of error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb
from scipy.integrate import BDF, DOP853, LSODA, RK45, Radau, solve_ivp

from .arith import working_precision
from .dynamics import Flow, Oracle, Step


@dataclass(frozen=True)
class Solution:
    """``thetas[i]`` (and ``aux[i]``) at ``times[i]``; ``error[i]`` bounds or estimates the max-norm
    error of ``(θ, a)`` there, of kind ``error_kind`` (``exact``, ``ball`` or ``estimate``; ``caller``
    when the caller asked to bound it by its own argument, see :func:`iterate`)."""

    times: np.ndarray
    thetas: list[Any]
    aux: list[tuple[Any, ...]]
    error: np.ndarray
    error_kind: str
    method: str
    evaluations: int
    stop: str = ""  # why the run ended early: "until" (the caller's predicate held), "horizon", "max_steps"
    checks: tuple[Any, ...] = ()  # the check run's θ at the same times (adaptive solves), for quantities' errors

    @property
    def theta(self) -> Any:
        """The parameters at the last checkpoint."""
        return self.thetas[-1]

    def describe(self) -> str:
        return f"{self.method}, {self.evaluations} gradient evaluations, error ≤ {float(np.max(self.error)):.2g} ({self.error_kind})"


_SOLVERS = {"BDF": BDF, "LSODA": LSODA, "Radau": Radau, "RK45": RK45, "DOP853": DOP853}


def _pack(theta: Any, aux: tuple[Any, ...]) -> np.ndarray:
    return np.concatenate([np.asarray(theta).reshape(-1)] + [np.asarray(a).reshape(-1) for a in aux])


def _unpack(y: Any, P: int, n_aux: int) -> tuple[Any, tuple[Any, ...]]:
    return y[:P], tuple(y[P * (j + 1):P * (j + 2)] for j in range(n_aux))


class _Counted:
    """The oracle with its gradient evaluations counted."""

    def __init__(self, oracle: Oracle):
        self.oracle, self.calls = oracle, 0
        self.samples = getattr(oracle, "samples", 0)

    def gradient(self, theta: Any) -> Any:
        self.calls += 1
        return self.oracle.gradient(theta)

    def sample_gradient(self, theta: Any, indices: Sequence[int]) -> Any:
        self.calls += 1
        return self.oracle.sample_gradient(theta, indices)


def _float_problem(rule: Flow, oracle: Oracle, theta0: Any, aux0: tuple[Any, ...] | None) -> tuple:
    """The float64 start ``(θ₀, a₀)``, the sizes, the counted oracle and the packed field ``(t, y) -> ẏ``."""
    theta0 = np.asarray(theta0, dtype=float).reshape(-1)
    aux0 = rule.init(theta0) if aux0 is None else tuple(np.asarray(a, dtype=float) for a in aux0)
    P, n_aux = theta0.size, len(aux0)
    counted = _Counted(oracle)

    def field(t: float, y: np.ndarray) -> np.ndarray:
        th, a = _unpack(y, P, n_aux)
        dth, da = rule.field(counted, th, a)
        return _pack(dth, da)

    def plain(t: float, y: np.ndarray) -> np.ndarray:  # no auxiliary state: the same values, unpacked
        return np.asarray(rule.field(counted, y, ())[0], dtype=float).reshape(-1)

    return theta0, aux0, P, n_aux, counted, field if n_aux else plain


def _checkpoints(times: Sequence[float]) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or len(times) == 0 or np.any(times <= 0) or np.any(np.diff(times) <= 0):
        raise ValueError(f"checkpoints must be positive and strictly increasing, got {list(times)}")
    return times


def solve(rule: Flow, oracle: Oracle, theta0: Any, times: Sequence[float], rtol: float,
          method: str = "DOP853", aux0: tuple[Any, ...] | None = None) -> Solution:
    """``rule`` from ``θ(0) = θ₀`` (auxiliary state ``aux0``, default ``rule.init(θ₀)``) to each of
    ``times``, in float64, with the two-tolerance error estimate of the module docstring."""
    if not isinstance(rule, Flow):
        raise TypeError(f"solve integrates a Flow; {rule.name!r} is a Step: use iterate")
    if not rule.smooth:
        raise ValueError(f"{rule.name} has a discontinuous field, on which an adaptive solver chatters: "
                         f"follow its discrete step with iterate, or state the claim pointwise along the field")
    times = _checkpoints(times)
    theta0, aux0, P, n_aux, counted, field = _float_problem(rule, oracle, theta0, aux0)

    runs = []
    for tol in (rtol, rtol * 1e-3):
        sol = solve_ivp(field, (0.0, float(times[-1])), _pack(theta0, aux0), method=method, t_eval=times,
                        rtol=tol, atol=tol * 1e-2)
        if not sol.success or sol.y.shape[1] != len(times) or not np.all(np.isfinite(sol.y)):
            raise ArithmeticError(f"{method} failed on {rule.name} at rtol {tol:g}: {sol.message}")
        runs.append(sol.y.T)
    coarse, fine = runs
    states = [_unpack(y, P, n_aux) for y in fine]
    return Solution(times, [s[0] for s in states], [s[1] for s in states], np.max(np.abs(fine - coarse), axis=1),
                    "estimate", f"{rule.name}, {method} at rtol {rtol:g} and {rtol * 1e-3:g}", counted.calls,
                    checks=tuple(y[:P] for y in coarse))


CHECK_FACTOR = 10.0  # solve_until's check run is at this multiple of the run's tolerance


def solve_until(rule: Flow, oracle: Oracle, theta0: Any, until: Callable[[np.ndarray], bool], horizon: float,
                rtol: float, *, method: str = "LSODA", jac: Callable[[np.ndarray], np.ndarray] | None = None,
                atol: float | None = None, max_steps: int | None = None, mark: Callable[[np.ndarray], bool] | None = None,
                aux0: tuple[Any, ...] | None = None) -> Solution:
    """``rule`` from ``θ₀`` until ``until(θ)`` holds at the end of a solver step, ``t`` reaches
    ``horizon`` or ``max_steps`` steps are spent (``Solution.stop`` says which).

    ``method`` is a ``scipy.integrate`` solver stepped here at ``rtol`` (absolute tolerance ``atol``,
    default ``rtol/100``; ``jac(y)`` the Jacobian of the packed field ``(θ, a)``, for the implicit
    methods).  ``times`` are ``[t_mark, t_stop]`` (``t_mark`` the first step end where ``mark(θ)``
    held, when it did) or ``[t_stop]``.  The error is the difference to a solve of the same interval at
    ``CHECK_FACTOR·rtol`` (ten times looser) evaluated at those times: it estimates the looser run's
    error, about ten times the returned run's for a method whose error is proportional to its
    tolerance, so it over-estimates the returned run's error; that run's parameters there are ``checks``, so a quantity's error can
    be estimated as its difference between the two."""
    if not rule.smooth:
        raise ValueError(f"{rule.name} has a discontinuous field: follow its discrete step with iterate")
    theta0, aux0, P, n_aux, counted, field = _float_problem(rule, oracle, theta0, aux0)

    options = {"jac": (lambda t, y: jac(y))} if jac is not None and method in ("LSODA", "BDF", "Radau") else {}
    atol = rtol * 1e-2 if atol is None else atol
    solver = _SOLVERS[method](field, 0.0, _pack(theta0, aux0), horizon, rtol=rtol, atol=atol, **options)
    marked, steps, stop = None, 0, "horizon"
    while solver.status == "running":
        message = solver.step()
        steps += 1
        if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
            raise ArithmeticError(f"{method} failed on {rule.name} at t = {solver.t:.6g}: {message}")
        theta = solver.y[:P]
        if marked is None and mark is not None and mark(theta):
            marked = (solver.t, solver.y.copy())
        if until(theta):
            stop = "until"
            break
        if max_steps is not None and steps >= max_steps:
            stop = "max_steps"
            break
    recorded = ([marked] if marked is not None else []) + [(solver.t, solver.y.copy())]
    times = np.array([t for t, _ in recorded])
    check_times = times if times[0] > 0 else times[1:]
    check = np.array([y for _, y in recorded])
    if len(check_times):
        sol = solve_ivp(field, (0.0, float(times[-1])), _pack(theta0, aux0), method=method, t_eval=check_times,
                        rtol=rtol * CHECK_FACTOR, atol=atol * CHECK_FACTOR, **options)
        if not sol.success or sol.y.shape[1] != len(check_times):
            raise ArithmeticError(f"{method} check solve failed on {rule.name} at rtol {rtol * CHECK_FACTOR:g}: {sol.message}")
        coarse = np.vstack([check[:len(times) - len(check_times)], sol.y.T])
    else:
        coarse = check
    states = [_unpack(y, P, n_aux) for _, y in recorded]
    return Solution(times, [st[0] for st in states], [st[1] for st in states], np.max(np.abs(check - coarse), axis=1),
                    "estimate", f"{rule.name}, {method} at rtol {rtol:g} (checked at {rtol * CHECK_FACTOR:g}), {steps} steps",
                    counted.calls, stop, tuple(y[:P] for y in coarse))


def _rk4(rule: Flow, oracle: Oracle, y: np.ndarray, h: arb, steps: int, P: int, n_aux: int) -> np.ndarray:
    def f(z: np.ndarray) -> np.ndarray:
        th, a = _unpack(z, P, n_aux)
        dth, da = rule.field(oracle, th, a)
        return _pack(dth, da)

    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + (h / 2) * k1)
        k3 = f(y + (h / 2) * k2)
        k4 = f(y + h * k3)
        y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def solve_ball(rule: Flow, oracle: Oracle, theta0: Any, times: Sequence[Any], steps: int, bits: int,
               aux0: tuple[Any, ...] | None = None) -> Solution:
    """``rule`` to each of ``times`` by RK4 in ``bits``-bit balls, ``steps`` (and ``2·steps``) steps
    per interval between checkpoints; ``θ₀`` exact rationals or balls.  Error as in the module
    docstring; the returned state is the finer run, as balls."""
    if not isinstance(rule, Flow):
        raise TypeError(f"solve_ball integrates a Flow; {rule.name!r} is a Step: use iterate")
    _checkpoints([float(t) for t in times])
    counted = _Counted(oracle)
    with working_precision(bits):
        th0 = np.array([arb(x) for x in np.asarray(theta0, dtype=object).reshape(-1)], dtype=object)
        a0 = rule.init(th0) if aux0 is None else tuple(np.array([arb(x) for x in np.asarray(a, dtype=object).reshape(-1)],
                                                                 dtype=object) for a in aux0)
        P, n_aux = th0.size, len(a0)
        coarse = fine = _pack(th0, a0)
        last, thetas, auxes, errors = arb(0), [], [], []
        for t in times:
            T = arb(t) - last
            coarse = _rk4(rule, counted, coarse, T / steps, steps, P, n_aux)
            fine = _rk4(rule, counted, fine, T / (2 * steps), 2 * steps, P, n_aux)
            last = arb(t)
            errors.append(max(float(abs(c - f).upper()) * 16 / 15 + float(f.rad()) for c, f in zip(coarse, fine)))
            th, a = _unpack(fine, P, n_aux)
            thetas.append(th)
            auxes.append(a)
    return Solution(np.array([float(t) for t in times]), thetas, auxes, np.array(errors), "estimate",
                    f"{rule.name}, RK4 in {bits}-bit balls ({steps} and {2 * steps} steps per interval)", counted.calls)


def _run_steps(rule: Step, oracle: Oracle, runs: list[tuple[Any, tuple[Any, ...]]], checkpoints: Sequence[int],
               until: Callable[[Any], bool] | None) -> tuple[list[list[tuple[Any, tuple]]], list[int], str]:
    """Step every run of ``runs`` (the main run first, then its shadow) in lockstep, recording each at
    the checkpoints; stop early after the first step at which ``until`` holds on the main run."""
    records: list[list[tuple[Any, tuple]]] = [[] for _ in runs]
    reached, k = [], 0
    for stop in checkpoints:
        while k < stop:
            runs = [rule.step(oracle, th, a, k) for th, a in runs]
            k += 1
            if until is not None and until(runs[0][0]):
                for rec, run in zip(records, runs):
                    rec.append(run)
                return records, reached + [k], "until"
        for rec, run in zip(records, runs):
            rec.append(run)
        reached.append(k)
    return records, reached, ""


def iterate(rule: Step, oracle: Oracle, theta0: Any, checkpoints: Sequence[int],
            aux0: tuple[Any, ...] | None = None, bits: int = 128, shadow: bool = True,
            until: Callable[[Any], bool] | None = None) -> Solution:
    """``rule`` from ``θ₀`` (and ``aux0``, default ``rule.init(θ₀)``), recording the iterate after each
    of the (increasing) step counts ``checkpoints``; with ``until``, the run ends after the first step
    at which ``until(θ)`` holds (that step is the last record; ``stop = "until"``).  The arithmetic is
    ``θ₀``'s: an object array of ``fmpq`` stays exact, of ``arb`` is run at ``bits`` bits; float64 is
    shadowed step by step in ``np.longdouble`` for its error estimate.  ``shadow=False`` skips the
    shadow (half the gradients) for a caller that bounds the error of what it measures by its own
    a-priori argument (a distance to a minimiser set, say): the Solution then says so, with error
    kind ``"caller"`` and NaN errors, and a quantity resting on it must state that bound."""
    if not isinstance(rule, Step):
        raise TypeError(f"iterate runs a Step; {rule.name!r} is a Flow: use solve or solve_ball")
    stops = [int(k) for k in checkpoints]
    if not stops or stops[0] < 0 or any(b <= a for a, b in zip(stops, stops[1:])):
        raise ValueError(f"checkpoints must be non-negative and strictly increasing, got {stops}")
    theta0 = np.asarray(theta0)
    counted = _Counted(oracle)
    aux0 = rule.init(theta0) if aux0 is None else tuple(aux0)
    floats = sorted(k for k, v in rule.parameters.items() if isinstance(v, float))
    if theta0.dtype == object and floats:
        raise TypeError(f"{rule.name}: exact or ball iteration needs rational rule constants, but "
                        f"{', '.join(f'{k} = {rule.parameters[k]!r}' for k in floats)} is a float: pass "
                        f"flint.fmpq (e.g. fmpq(1, 10)) or run on float64 parameters")
    if theta0.dtype == object:
        with working_precision(bits):
            (main,), reached, stop = _run_steps(rule, counted, [(theta0, aux0)], stops, until)
            radii = [[float(x.rad()) for x in np.asarray(_pack(th, a)).reshape(-1) if hasattr(x, "rad")] for th, a in main]
        balls = any(radii)
        return Solution(np.array(reached, dtype=float), [th for th, _ in main], [a for _, a in main],
                        np.array([max(r, default=0.0) for r in radii]), "ball" if balls else "exact",
                        f"{rule.name}, {reached[-1]} steps in {'%d-bit balls' % bits if balls else 'exact rationals'}",
                        counted.calls, stop)
    runs = [(theta0.astype(float), tuple(np.asarray(a, dtype=float) for a in aux0))]
    if shadow:
        runs.append((theta0.astype(np.longdouble), tuple(np.asarray(a, dtype=np.longdouble) for a in aux0)))
    records, reached, stop = _run_steps(rule, counted, runs, stops, until)
    main = records[0]
    if shadow:
        error = np.array([float(np.max(np.abs(_pack(t, a).astype(np.longdouble) - _pack(s, sa)), initial=0.0))
                          for (t, a), (s, sa) in zip(main, records[1])])
        kind, how = "estimate", "shadowed in extended precision"
    else:
        error, kind, how = np.full(len(main), np.nan), "caller", "error bounded by the caller"
    return Solution(np.array(reached, dtype=float), [t for t, _ in main], [a for _, a in main], error, kind,
                    f"{rule.name}, {reached[-1]} steps in float64 ({how})", counted.calls, stop)
