"""Training systems: a :class:`~checker.systems.System` from an architecture, a training rule and data.

:func:`training_system` joins

* a **network** — any :class:`checker.nets.AbstractNetwork` (or a function ``instance -> network``),
* a **training rule** — a :class:`checker.dynamics.Flow` or :class:`checker.dynamics.Step`,
* **instances** — a Hypothesis strategy of JSON dicts ``{"X", "Y", "theta", ["aux"]}`` of exact
  rationals (strings ``"p/q"``): data ``X`` (``m × d``), targets ``Y`` (``m × p``), the flat
  parameters ``θ`` (``net.flatten`` order) and optionally the rule's auxiliary state, e.g. a velocity
  (a list of flat vectors; without it the rule's own ``init(θ)`` is used, e.g. rest);
  :func:`parameter_instances` draws them for a given network shape, ``st.just({...})`` replays one
  published experiment,
* a **loss** (``squared``, ``exp``, ``logistic``: :mod:`checker.losses`) and
* **observables** — ``name -> observable(fn, description, latex)`` with ``fn(net, params) -> number``
  (``params`` the list of parameter arrays) or, with ``state=True``, ``fn(net, params, aux)``.

For every observable ``O`` the system measures ``O`` (at ``θ``) and its rate ``d_O`` along the rule:

* for a Flow ``θ̇ = v(θ, a)``, ``ȧ = w(θ, a)``: ``d_O = ⟨∇_θ O, v⟩ + ⟨∇_a O, w⟩``, computed exactly by
  running ``fn`` once on dual numbers ``θ + εv``, ``a + εw`` (:class:`checker.nets.Dual`, ``ε² = 0``):
  no finite difference, no integration — the rule's own field at the instance;
* for a Step ``(θ₁, a₁) = step(θ₀, a₀, 0)``: ``d_O = O(θ₁, a₁) − O(θ₀, a₀)``, one exact step.

Plus ``loss`` (``ℒ(θ)``) and ``d_loss`` (``⟨∇ℒ, v⟩`` for a Flow, ``ℒ(θ₁) − ℒ(θ₀)`` for a Step), and
every rational parameter of the rule (``gamma``, ``eta``, ``beta``, …) as an exact quantity.  On the
squared loss with rational activations (linear, ReLU, leaky ReLU, powers) every value is an exact
rational (error model ``exact``); exponential and logistic losses, tanh and rules that take a square
root (normalised GD) are measured in arb balls at the profile's bits (``ball``; ``arithmetic="ball"``
forces it).  A statement over these quantities is a pointwise claim about the rule, e.g.
``d_balance == 0`` ("balance is conserved"), refuted by the checker's search when it is false.

**A new training rule in ≤ 20 lines** (examples/heavy_ball.py): a Flow needs only its field, e.g.
Nesterov's flow ``θ̈ + (3/t)θ̇ = −∇ℒ`` at a frozen time ``t``::

    from checker.dynamics import Flow
    def nesterov_flow(t):
        return Flow("Nesterov flow", r"\\ddot\\theta + \\tfrac{3}{t}\\dot\\theta = -\\nabla\\mathcal{L}",
                    lambda oracle, th, a: (a[0], (-3 / t * a[0] - oracle.gradient(th),)),
                    init=lambda th: (th * 0,), parameters={"t": t})

and a Step its map ``step(oracle, θ, a, k) -> (θ', a')``; ``oracle.gradient(θ)`` is ``∇ℒ``.

**A new architecture in ≤ 40 lines** (examples/residual.py): subclass
:class:`~checker.nets.AbstractNetwork` with ``shapes()``, ``forward(params, X) -> F`` (``X``
``m × d``, ``F`` ``m × p``) and ``backward(params, X, G) -> ∂⟨G, F⟩/∂params``, written with ``@``,
``+``, ``*`` and ``.T`` only, so it runs on rationals, balls and dual numbers alike.

**A new quantity**: ``observable(lambda net, p: ..., "description", r"\\LaTeX")`` in ``observables``,
or, on any existing system, ``system.with_quantity(quantity(name, description, latex, error,
measure=lambda instance, precision: Enclosure))`` (:meth:`checker.systems.System.with_quantity`).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from flint import arb, fmpq, fmpz
from hypothesis import strategies as st

from .arith import Enclosure, Precision, ball_array, rational_array, working_precision
from .dynamics import Flow, Rule
from .losses import loss as get_loss
from .nets import AbstractNetwork, Activation, Dual
from .objectives import Objective
from .quantities import ERROR_MODELS, Quantity, quantity
from .strategies import matrices, rationals, vectors
from .systems import Instance, MeasurementError, System

LABELS = st.sampled_from(["-1", "1"])  #: ±1 targets, for the classification losses


@dataclass(frozen=True)
class Observable:
    """A function of the parameters (and, with ``state``, of the rule's auxiliary state) with its
    description, LaTeX display name and error model; see :func:`observable`."""

    fn: Callable[..., Any]
    description: str
    latex: str
    error: str = "exact"
    state: bool = False

    def __post_init__(self) -> None:
        if self.error not in ERROR_MODELS:
            raise ValueError(f"observable {self.description!r}: error model {self.error!r} is not one of {', '.join(ERROR_MODELS)}")

    def __call__(self, net: AbstractNetwork, params: Sequence[Any], aux: tuple[Any, ...]) -> Any:
        return self.fn(net, params, aux) if self.state else self.fn(net, params)


def observable(fn: Callable[..., Any], description: str, latex: str, error: str = "exact",
               state: bool = False) -> Observable:
    """An observable ``O = fn(net, params)`` (``params``: the list of parameter arrays, as
    ``net.unflatten`` gives them); with ``state=True``, ``fn(net, params, aux)`` where ``aux`` is the
    rule's auxiliary state (a tuple of flat vectors: ``net.unflatten(aux[0])`` is a velocity's blocks).
    Write ``fn`` with ``+ - * @ .sum() .T`` so that it runs on rationals, balls and dual numbers."""
    return Observable(fn, description, latex, error, state)


# ---------------------------------------------------------------------------- ready-made observables


def weight_blocks(net: AbstractNetwork, params: Sequence[Any]) -> list[Any]:
    """The network's weight matrices (``net.weights(params)`` when it has biases to skip, else all blocks)."""
    return list(net.weights(params)) if hasattr(net, "weights") else list(params)


def frobenius_sq(A: Any) -> Any:
    """``‖A‖_F² = Σ A_ij²`` (on arrays and dual numbers)."""
    return (A * A).sum()


def _tex_rate(tex: str, flow: bool) -> str:
    """``d/dt`` (a Flow) or ``Δ`` (a Step) of the display ``tex``, parenthesised when it is compound."""
    inner = rf"\left({tex}\right)" if any(c in tex for c in " +-,") else tex
    return (r"\tfrac{d}{dt}" if flow else r"\Delta ") + inner


def _block(net: AbstractNetwork, params: Sequence[Any], h: int, shift: Any) -> Any:
    W = weight_blocks(net, params)[h - 1]
    return W + shift * np.eye(*np.shape(_value(W)), dtype=object) if shift else W


def _tex_block(h: int, shift: Any, symbol: str = "W") -> str:
    """``W_{h}``, ``I + W_{h}`` or ``cI + W_{h}`` in LaTeX."""
    return (f"I + {symbol}_{{{h}}}" if shift == 1 else rf"{shift}I + {symbol}_{{{h}}}") if shift else f"{symbol}_{{{h}}}"


def _plain_block(h: int, shift: Any, symbol: str) -> str:
    return (f"I + {symbol}{h}" if shift == 1 else f"{shift}I + {symbol}{h}") if shift else f"{symbol}{h}"


def layer_norm_sq(h: int, shift: Any = 0, symbol: str = "W") -> Observable:
    """``‖W_h + shift·I‖_F²`` for the ``h``-th weight block (1-based); ``symbol`` names the blocks
    in the description and LaTeX (``N`` for residual blocks, say)."""
    return observable(lambda net, p: frobenius_sq(_block(net, p, h, shift)), f"‖{_plain_block(h, shift, symbol)}‖_F²",
                      rf"\lVert {_tex_block(h, shift, symbol)}\rVert_F^2")


def layer_imbalance(h: int, shift: Any = 0, symbol: str = "W") -> Observable:
    """``‖W_h‖_F² − ‖W_{h+1}‖_F²`` over the network's weight blocks (``h`` 1-based), the quantity Du,
    Hu & Lee (NeurIPS 2018, Thm 2.1) show conserved by gradient flow of a homogeneous network;
    ``shift=1`` measures the blocks ``I + W_h`` instead (residual blocks ``x ↦ (I + N_h)x``);
    ``symbol`` names the blocks in the description and LaTeX."""
    a, b = _tex_block(h, shift, symbol), _tex_block(h + 1, shift, symbol)
    return observable(lambda net, p: frobenius_sq(_block(net, p, h, shift)) - frobenius_sq(_block(net, p, h + 1, shift)),
                      f"‖{_plain_block(h, shift, symbol)}‖_F² − ‖{_plain_block(h + 1, shift, symbol)}‖_F² "
                      f"(weight blocks {h} and {h + 1})", rf"\lVert {a}\rVert_F^2 - \lVert {b}\rVert_F^2")


_AUX = "V: the rule's first auxiliary state, the velocity of heavy_ball_flow, the last displacement of heavy_ball"


def _velocity(net: AbstractNetwork, aux: tuple[Any, ...]) -> list[Any]:
    return weight_blocks(net, net.unflatten(aux[0]))


def momentum_imbalance(h: int) -> Observable:
    """``⟨W_h, V_h⟩ − ⟨W_{h+1}, V_{h+1}⟩`` with ``V`` the first auxiliary state (the velocity of
    :func:`checker.dynamics.heavy_ball_flow`): half the rate of :func:`layer_imbalance` when ``θ̇ = V``."""
    def fn(net: AbstractNetwork, p: Sequence[Any], aux: tuple[Any, ...]) -> Any:
        W, V = weight_blocks(net, p), _velocity(net, aux)
        return (W[h - 1] * V[h - 1]).sum() - (W[h] * V[h]).sum()

    return observable(fn, f"⟨W{h}, V{h}⟩ − ⟨W{h + 1}, V{h + 1}⟩ ({_AUX})",
                      rf"\langle W_{{{h}}}, V_{{{h}}}\rangle - \langle W_{{{h + 1}}}, V_{{{h + 1}}}\rangle", state=True)


def velocity_imbalance(h: int) -> Observable:
    """``‖V_h‖_F² − ‖V_{h+1}‖_F²`` of the first auxiliary state (the kinetic imbalance)."""
    return observable(lambda net, p, aux: frobenius_sq(_velocity(net, aux)[h - 1]) - frobenius_sq(_velocity(net, aux)[h]),
                      f"‖V{h}‖_F² − ‖V{h + 1}‖_F² ({_AUX})",
                      rf"\lVert V_{{{h}}}\rVert_F^2 - \lVert V_{{{h + 1}}}\rVert_F^2", state=True)


def parameter_norm_sq() -> Observable:
    """``‖θ‖₂²`` over all parameters."""
    return observable(lambda net, p: sum((frobenius_sq(P) for P in p[1:]), frobenius_sq(p[0])),
                      "‖θ‖² (all parameters)", r"\lVert\theta\rVert_2^2")


# ---------------------------------------------------------------------------- instances


def parameter_instances(net: AbstractNetwork, *, inputs: int | None = None, outputs: int | None = None,
                        samples: tuple[int, int] | int = (1, 3), aux: int = 0,
                        elements: st.SearchStrategy[str] | None = None,
                        targets: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Instance]:
    """Instances for the network ``net`` (a fixed shape): ``m`` samples (``m`` in ``samples``), data
    ``X`` (``m × inputs``), targets ``Y`` (``m × outputs``; entries from ``targets``, e.g.
    :data:`LABELS` for classification), flat parameters ``theta`` (``net.size`` entries) and ``aux``
    auxiliary vectors of the same length (a velocity: ``aux=1``), all exact rationals drawn from
    ``elements`` (default :func:`checker.strategies.rationals`, ``p/q`` with ``|p| ≤ 9``, ``q ≤ 7``).
    ``inputs`` and ``outputs`` default to the columns of the first parameter block and the rows of
    the last (``W^(1) ∈ ℝ^{n_1 × d}``, ``W^(N) ∈ ℝ^{p × n_{N-1}}``); pass them for other layouts."""
    shapes = net.shapes()
    d = shapes[0][-1] if inputs is None else inputs
    p = shapes[-1][0] if outputs is None else outputs
    lo, hi = (samples, samples) if isinstance(samples, int) else samples
    elements = elements if elements is not None else rationals()
    targets = targets if targets is not None else elements

    @st.composite
    def draw(dr: Any) -> Instance:
        m = dr(st.integers(lo, hi))
        inst = {"X": dr(matrices(m, d, elements)), "Y": dr(matrices(m, p, targets)), "theta": dr(vectors(net.size, elements))}
        if aux:
            inst["aux"] = [dr(vectors(net.size, elements)) for _ in range(aux)]
        return inst

    return draw()


# ---------------------------------------------------------------------------- the system

_GREEK = {"alpha", "beta", "gamma", "delta", "eta", "lambda", "mu", "nu", "rho", "tau"}


def _rational_parameters(rule: Rule) -> dict[str, Quantity]:
    """The rule's rational parameters (``gamma``, ``eta``, …) as exact quantities."""
    out = {}
    for k, v in rule.parameters.items():
        if isinstance(v, (int, fmpq, fmpz, Fraction)) and not isinstance(v, bool) and k.isidentifier():
            tex = "\\" + k if k in _GREEK else r"\mathrm{" + k.replace("_", r"\_") + "}"
            out[k] = quantity(k, f"parameter {k} of the rule ({rule.name})", tex, "exact")
    return out


def _describe(obj: Any) -> str:
    """A deterministic description of a network, rule, schedule or observable for the system's
    parameters, hence its fingerprint (:mod:`checker.fingerprint` hashes the modules of the measure
    function, here this one): a function's source, a network's fields and, for a user's own
    architecture, its class's source."""
    if isinstance(obj, Observable):
        obj = obj.fn
    if inspect.isfunction(obj):
        try:
            return inspect.getsource(obj).strip()
        except (OSError, TypeError):
            return f"{obj.__module__}.{obj.__qualname__}"
    cls = type(obj)
    text = (f"{cls.__module__}.{cls.__qualname__}({vars(obj) if hasattr(obj, '__dict__') else ''})"
            if cls.__repr__ is object.__repr__ else repr(obj))  # "<… object at 0x…>" changes from run to run
    if isinstance(obj, AbstractNetwork) and not cls.__module__.startswith("checker."):
        try:  # a user's architecture: its code is part of the measurement (engine networks are not hashed)
            text += "\n" + inspect.getsource(cls)
        except (OSError, TypeError):
            pass
    return text


def _short(network: Any) -> str:
    return getattr(network, "__name__", None) or type(network).__name__


def _enclose(x: Any, name: str, note: str) -> Enclosure:
    if isinstance(x, np.ndarray):
        x = x.item()
    if isinstance(x, arb):
        return Enclosure.ball(x, note)
    if isinstance(x, (int, np.integer, fmpq, fmpz, Fraction)) and not isinstance(x, bool):
        return Enclosure.exact(x, note)
    raise MeasurementError(f"{name}: an observable must return an exact rational or an arb ball, got "
                           f"{type(x).__name__} {x!r} (floats carry no error bound)")


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Dual) else x


def _parts(x: Any) -> tuple[Any, Any]:
    return (x.value, x.tangent) if isinstance(x, Dual) else (x, 0)


def _transcendental(net: Any) -> bool:
    """Whether the network (or a network it wraps) has an activation without a homogeneity degree
    (tanh): its values are transcendental, so it is measured in balls."""
    if isinstance(net, Activation):
        return net.degree is None
    if isinstance(net, (tuple, list)):
        return any(_transcendental(x) for x in net)
    return isinstance(net, AbstractNetwork) and any(_transcendental(v) for v in vars(net).values())


def _quantities(name: str, observables: Mapping[str, Observable], rule: Rule, lossf: Any,
                arithmetic: str) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """The quantity table of a training system (``O``, ``d_O`` per observable, ``loss``, ``d_loss``,
    the rule's parameters) and, separately, the rule's parameters."""
    flow = isinstance(rule, Flow)
    base_error = "exact" if lossf.name == "squared" and arithmetic != "ball" else "ball"

    def rate_description(key: str) -> str:
        if flow:
            return f"d/dt {key} along {rule.name}: ⟨∇{key}, (θ̇, ȧ)⟩ at the instance, by dual numbers"
        return f"change of {key} in one step of {rule.name}: {key}(θ₁) − {key}(θ₀)"

    table: dict[str, Quantity] = {}
    for key, obs in {**observables, "loss": None}.items():
        if obs is None:
            tex, desc, err = r"\mathcal{L}", f"the {lossf.name} loss ℒ(θ) = Σ_n ℓ(f(x_n; θ), y_n)", base_error
        else:
            if not isinstance(obs, Observable):
                raise TypeError(f"observable {key!r}: build it with checker.training.observable(fn, description, latex)")
            tex, desc = obs.latex, obs.description
            err = obs.error if base_error == "exact" else ("estimate" if obs.error == "estimate" else "ball")
        for q in (quantity(key, desc, tex, err), quantity(f"d_{key}", rate_description(key), _tex_rate(tex, flow), err)):
            if q.name in table:
                raise ValueError(f"training system {name}: quantity {q.name!r} is defined twice; rename the observable")
            table[q.name] = q
    constants = _rational_parameters(rule)
    clash = sorted(set(constants) & set(table))
    if clash:
        raise ValueError(f"training system {name}: observable names {clash} are taken by the rule's parameters")
    return {**table, **constants}, constants


def training_system(name: str, *, network: AbstractNetwork | Callable[[Instance], AbstractNetwork],
                    instances: st.SearchStrategy[Instance], rule: Rule, loss: str = "squared",
                    observables: Mapping[str, Observable], description: str = "", hypotheses: tuple[str, ...] = (),
                    scope: Callable[[Instance, Precision], "str | None"] | None = None,
                    features: Callable[[Instance], Mapping[str, Any]] | None = None,
                    arithmetic: str = "auto") -> System:
    """The system of ``rule`` training ``network`` on ``instances`` (see the module docstring): the
    quantities ``O``, ``d_O`` for each observable, ``loss``, ``d_loss`` and the rule's rational
    parameters.  ``scope(instance, precision)`` returns why an instance is outside the claim's
    hypotheses (or None); ``features(instance)`` the instance mix shown on pages (default: the
    number of samples); ``arithmetic`` is ``auto`` (exact unless the loss or an activation needs
    balls), ``exact`` or ``ball``."""
    lossf = get_loss(loss)
    if arithmetic not in ("auto", "exact", "ball"):
        raise ValueError(f"arithmetic {arithmetic!r}: choose auto, exact or ball")
    if not isinstance(rule, Flow) and not hasattr(rule, "step"):
        raise TypeError(f"rule {rule!r} is neither a checker.dynamics.Flow nor a Step")
    floats = sorted(k for k, v in rule.parameters.items() if isinstance(v, (float, np.floating)))
    if floats:
        raise ValueError(f"training system {name}: {rule.name} has float parameters {floats}; exact and ball "
                         f"measurements need rationals: write checker.arith.rational('1/10'), not 0.1")
    build = network if callable(network) and not isinstance(network, AbstractNetwork) else (lambda inst: network)
    flow = isinstance(rule, Flow)
    table, constants = _quantities(name, observables, rule, lossf, arithmetic)

    def measure(inst: Instance, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = build(inst)
        balls = arithmetic == "ball" or (arithmetic == "auto" and (lossf.classification or _transcendental(net)))
        note = f"ball arithmetic at {precision.bits} bits" if balls else "exact rationals"
        with working_precision(precision.bits):
            num = (lambda rows: ball_array(rows, precision.bits)) if balls else rational_array
            X, Y, theta = num(inst["X"]), num(inst["Y"]), num(inst["theta"])
            if theta.shape != (net.size,):
                raise MeasurementError(f"theta has {theta.size} entries, the network {net.size} parameters")
            aux = tuple(num(a) for a in inst["aux"]) if "aux" in inst else rule.init(theta)
            if len(aux) != len(rule.init(theta)):
                raise MeasurementError(f"{rule.name} has {len(rule.init(theta))} auxiliary vectors, the instance {len(aux)}")
            oracle = Objective(net, X, Y, lossf)

            def loss_value(th: Any) -> Any:
                F = oracle.outputs(th)
                if lossf.name == "squared":
                    return lossf.value(F, Y)
                return sum((lossf.ball_ell(F[n, 0] * Y[n, 0]) for n in range(F.shape[0])), arb(0))

            values, rates = {}, {}
            wanted = {k for k in [*observables, "loss"] if k in names or f"d_{k}" in names}
            if flow:
                dth, da = rule.field(oracle, theta, aux)
                for key in wanted - {"loss"}:
                    obs = observables[key]
                    duals = tuple(Dual(a, t) for a, t in zip(aux, da))
                    values[key], rates[key] = _parts(obs(net, net.unflatten(Dual(theta, dth)), duals))
                if "loss" in wanted:
                    values["loss"] = loss_value(theta)
                    rates["loss"] = (oracle.gradient(theta) * dth).sum()
            else:
                th1, a1 = rule.step(oracle, theta, aux, 0)
                for key in wanted - {"loss"}:
                    obs = observables[key]
                    values[key] = obs(net, net.unflatten(theta), aux)
                    rates[key] = obs(net, net.unflatten(th1), tuple(a1)) - values[key]
                if "loss" in wanted:
                    values["loss"] = loss_value(theta)
                    rates["loss"] = loss_value(th1) - values["loss"]
        out = {}
        for key in wanted:
            out[key] = _enclose(values[key], key, note)
            out[f"d_{key}"] = _enclose(rates[key], f"d_{key}", note)
        for key in names & set(constants):
            out[key] = Enclosure.exact(rule.parameters[key], f"parameter of {rule.name}")
        return out

    return System(name, description or f"{rule.name} on {_short(network)}, {lossf.name} loss", table,
                  instances, measure, scope or (lambda inst, prec: None), hypotheses=tuple(hypotheses),
                  parameters={"network": _describe(network), "rule": rule.name, "loss": lossf.name,
                              "rule.code": _describe(rule.field if flow else rule.step),
                              "arithmetic": arithmetic,
                              **{f"rule.{k}": _describe(v) for k, v in rule.parameters.items()},
                              **{f"observable.{k}": _describe(v) for k, v in observables.items()}},
                  features=features or (lambda inst: {"samples": len(inst["X"])}))
