"""The reparametrised-clock integrators of checker/clocks.py against a naive t-integration of the same
flow (checker.integrators.solve of gradient flow on the plain float64 loss), the Filippov (sliding)
flow on ReLU kinks, the checked run's error estimate, and gradient descent against gradient flow."""
from __future__ import annotations

import math

import numpy as np
import pytest

from checker.clocks import Classifier, CheckedFlow, FlowError, checked_flow, horizon_ladder, integrate_flow
from checker.dynamics import gradient_descent, gradient_flow
from checker.integrators import Solution, iterate, solve
from checker.losses import loss
from checker.nets import MLP, Conv1D, activation
from flint import fmpq
from checker.objectives import Objective

X = np.array([[1.0, 0.5], [2 / 3, -1.0], [-1.0, 1 / 3], [-0.5, -1.0]])
Y = np.array([[1.0], [1.0], [-1.0], [-1.0]])


def naive(prob: Classifier, theta0: np.ndarray, duration: float, rtol: float) -> Solution:
    """Gradient flow ``dθ/dt = -∇ℒ`` in ``t`` itself on the float64 loss, for ``duration`` (the baseline)."""
    return solve(gradient_flow(), Objective(prob.net, prob.X, prob.y, prob.loss), theta0, [duration], rtol)


def problem(act: str, lossname: str = "exp") -> tuple[Classifier, np.ndarray]:
    net = MLP((2, 3, 1), (activation(act),))
    theta = np.array([2.0, 0.25, -2.0, -0.25, 1 / 3, -0.2, 2.0, -2.0, 1 / 7])
    return Classifier(net, X, Y, loss(lossname)), theta


CONV_X = np.array([[-1.0, 0.0, -1.5, 1.0], [-45 / 7, 25 / 7, -2.5, 25 / 7], [8.0, 24 / 7, -6.0, -3.0],
                   [-9 / 4, -5 / 6, -1 / 7, 0.0]])
CONV_Y = np.array([[-1.0], [-1.0], [1.0], [-1.0]])
CONV_THETA = np.array([-33 / 28, 79 / 20, 369 / 140, -56 / 15, -17 / 5])


def conv_problem() -> Classifier:
    """A ReLU convolution whose flow slides on a kink for log t ∈ [7.2, 19.1]."""
    return Classifier(Conv1D(4, 2, activation("relu")), CONV_X, CONV_Y, loss("exp"))


def crossing_problem() -> tuple[Classifier, np.ndarray]:
    """A two-layer ReLU network whose flow crosses one kink transversally before log t = 10."""
    Xk = np.array([[-11 / 14, 2.3, 0.25], [-0.5, -2.5, 3.5], [-1.9, -2.5, -0.25], [-1 / 6, 2.0, -2.75], [5 / 3, -0.4, 1.2]])
    Yk = np.array([[1.0], [1.0], [1.0], [-1.0], [-1.0]])
    theta = np.array([-114 / 35, 43 / 35, 2.7, 2.7, -1.32, -3.1, -1.4, 0.4, 0.35, 1.3, -2.2, 0.4])
    return Classifier(MLP((3, 3, 1), (activation("relu"),)), Xk, Yk, loss("exp")), theta


@pytest.mark.parametrize("case", ["relu2-exp", "linear-logistic", "relu-crossing"])
@pytest.mark.parametrize("clock", ["loss", "arc"])
def test_clocks_agree_with_naive_t_integration(case: str, clock: str) -> None:
    """The same gradient-flow path in a clock with log t as a state and in t itself (DOP853 on the
    plain float64 loss): θ at the top rung agrees within the integrators' tolerances.  The ReLU
    flow crosses a kink, which the naive run steps over (so it is the less accurate)."""
    if case == "relu-crossing":
        (prob, theta0), top = crossing_problem(), 10.0
    else:
        act, lossname = case.split("-")
        (prob, theta0), top = problem(act, lossname), 10 ** 0.5
    ladder = horizon_ladder(top, 4, first=1.0)
    run = integrate_flow(prob, theta0, ladder, clock=clock, rtol=1e-11)
    baseline = naive(prob, theta0, math.exp(ladder[-1]) - 1, rtol=1e-9)
    tol = 1e-6 if case == "relu-crossing" else 1e-8
    np.testing.assert_allclose(run.thetas[-1], baseline.theta, rtol=tol, atol=tol)
    assert run.logt[-1] == pytest.approx(ladder[-1], rel=1e-12)
    assert (run.switches > 0) == (case == "relu-crossing")


def test_clocks_agree_with_each_other_far_out() -> None:
    """Loss-normalised time and arc length give the same path to log t = 10⁴, within the run's
    and its check's difference (BDF at a tenth of the tolerance)."""
    prob, theta0 = problem("relu2")
    ladder = horizon_ladder(1e4, 4)
    flow = checked_flow(prob, theta0, ladder, rtol=1e-9)
    loss_run, check = flow.run, flow.check
    arc_run = integrate_flow(prob, theta0, ladder, clock="arc", rtol=1e-9)
    unit = lambda t: t / np.linalg.norm(t, axis=1, keepdims=True)  # noqa: E731
    err = np.abs(unit(loss_run.thetas) - unit(check.thetas)).max()
    assert np.abs(unit(loss_run.thetas) - unit(arc_run.thetas)).max() < max(1e-6, 100 * err)
    np.testing.assert_allclose(loss_run.path, arc_run.path, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the frozen field's error norm is 0/0 in DOP853
def test_naive_clock_cannot_reach_long_horizons() -> None:
    """The baseline: in t the float64 loss underflows near q ≈ 745, where the field vanishes and the
    state freezes (t = e^{10⁶} is not even a float) — only the clocks reach log t = 10⁶."""
    prob, theta0 = problem("relu2")
    frozen = naive(prob, theta0, 1e300, rtol=1e-8).theta
    assert prob.margins(frozen).min() < 800
    run = integrate_flow(prob, theta0, horizon_ladder(1e6, 1), rtol=1e-8)
    assert run.logt[-1] == pytest.approx(1e6, rel=1e-9)
    assert prob.margins(run.thetas[-1]).min() > 0.9e6


def test_sliding_mode_on_a_kink() -> None:
    """A two-layer ReLU flow whose exact solution is a ray sliding on a kink (the closed form of
    MUT-JT-T4.1-autodiff): the Filippov integrator stays on the kink and keeps the direction."""
    Xr = np.array([[1.0, 0.0]] * 16 + [[0.0, -4 / 3]] * 9 + [[0.5, 1.25]] * 16)
    Yr = np.array([[1.0]] * 25 + [[-1.0]] * 16)
    prob = Classifier(MLP((2, 2, 1), (activation("relu"),)), Xr, Yr, loss("exp"))
    theta0 = np.array([4.0, -3.0, 0.0, 4.0, 5.0, -4.0])
    run = integrate_flow(prob, theta0, horizon_ladder(1e3, 2), rtol=1e-9)
    unit = run.thetas / np.linalg.norm(run.thetas, axis=1, keepdims=True)
    assert np.abs(unit - theta0 / np.linalg.norm(theta0)).max() < 1e-7
    assert all(run.sliding)
    piece = prob.piece_at(run.thetas[-1], run.sliding[-1])
    np.testing.assert_allclose(prob.selections(run.thetas[-1], piece), 0.5, rtol=1e-6)  # the closed form's σ


def test_sliding_starts_and_ends_by_events() -> None:
    """The convolution's flow enters a sliding mode on a kink and leaves it when the Clarke
    selection reaches 1 (two events), and reaches the horizon."""
    run = integrate_flow(conv_problem(), CONV_THETA, horizon_ladder(1e3, 4, first=1.0), rtol=1e-9)
    assert run.switches == 2
    assert any(run.sliding) and not run.sliding[-1]


def test_step_budget_raises() -> None:
    prob, theta0 = problem("relu2")
    with pytest.raises(FlowError, match="work budget"):
        integrate_flow(prob, theta0, horizon_ladder(1e6), rtol=1e-8, max_steps=3)


def test_gradient_descent_tracks_gradient_flow() -> None:
    """GD at step k with step η is GF at τ = kη up to O(η) (THEOREMS.md §0.3-6): halving η halves
    the gap."""
    prob, theta0 = problem("relu2")
    T = 0.5
    exact = naive(prob, theta0, T, rtol=1e-10).theta
    objective = Objective(prob.net, prob.X, prob.y, prob.loss)
    gaps = [np.linalg.norm(iterate(gradient_descent(T / n), objective, theta0, [n]).theta - exact) for n in (50, 100)]
    assert gaps[1] == pytest.approx(gaps[0] / 2, rel=0.1)


def test_checked_flow_is_a_solution_with_its_error() -> None:
    """checked_flow returns a Solution: θ on the rungs, the path length as auxiliary state, and per rung
    the max-norm run–check difference as an error estimate, which covers the run's actual error
    (against a run at a hundred times smaller tolerance); a second call is the same object."""
    prob, theta0 = problem("relu2")
    ladder = horizon_ladder(1e3, 2)
    flow = checked_flow(prob, theta0, ladder, rtol=1e-8)
    assert isinstance(flow, CheckedFlow) and isinstance(flow, Solution) and flow.error_kind == "estimate"
    assert flow.times == pytest.approx(ladder) and len(flow.thetas) == len(flow.error) == len(ladder)
    np.testing.assert_array_equal(flow.thetas[-1], flow.run.thetas[-1])
    assert flow.aux[-1][0] == flow.run.path[-1]
    fine = integrate_flow(prob, theta0, ladder, rtol=1e-10)
    actual = np.max(np.abs(np.asarray(flow.thetas) - fine.thetas), axis=1)
    assert np.all(actual <= 10 * flow.error + 1e-12)
    assert checked_flow(prob, theta0, ladder, rtol=1e-8) is flow


def test_start_with_an_astronomically_small_loss() -> None:
    """A squared-ReLU start with ℒ(θ₀) ≈ e^{-462} (from `check JT-T4.1 --profile thorough`, where BDF
    met NaN/inf): the clock's start is advanced in closed form while θ is frozen, the log t rate is
    capped below overflow, and the run reaches log t = 10³ in a few hundred steps."""
    X = np.array([[-9 / 5, 16 / 5, -67 / 30], [-3, 21 / 5, 1 / 5], [13 / 7, -7 / 2, 12 / 5], [-3, 21 / 5, 1 / 5],
                  [-5 / 2, 3, -27 / 5]])
    Y = np.array([[-1.0], [-1.0], [1.0], [-1.0], [-1.0]])
    theta = np.array([31 / 40, -73 / 15, 61 / 40, -23 / 25, 157 / 30, -33 / 25, 1, -71 / 70])
    prob = Classifier(MLP((3, 2, 1), (activation("relu2"),)), X, Y, loss("exp"))
    assert prob.log_loss(theta) < -400
    run = integrate_flow(prob, theta, horizon_ladder(1e3, 2), rtol=1e-8)
    assert run.steps < 2000 and np.all(np.isfinite(run.thetas))
    frozen = run.logt < -prob.log_loss(theta) - 40
    assert frozen[0] and np.allclose(run.thetas[frozen], theta, rtol=1e-12)
    assert run.logt == pytest.approx(horizon_ladder(1e3, 2))


def _kernel_cases() -> list[tuple[str, Classifier, np.ndarray]]:
    relu, theta = problem("relu")
    smooth, theta2 = problem("relu2", "logistic")
    deep = Classifier(MLP((2, 2, 2, 1), (activation("linear"),) * 2), X, Y, loss("logistic"))
    leaky = Classifier(MLP((2, 3, 1), (activation("leaky_relu", slope=fmpq(1, 5), at_zero=fmpq(1, 5)),)), X, Y,
                       loss("exp"))
    return [("relu", relu, theta), ("relu2-logistic", smooth, theta2),
            ("deep-linear", deep, np.array([1.0, 0.5, -0.5, 1.0, 0.75, -0.25, 0.5, 1.0, 1.0, -0.5])),
            ("leaky", leaky, theta), ("conv", conv_problem(), CONV_THETA)]


@pytest.mark.parametrize("case", range(5))
def test_kernels_agree_with_the_network_stack(case: int) -> None:
    """The vectorised margin kernels (checker.margin_kernels) against the generic network code: margins,
    ∇ of Σc_n q_n, the per-point gradients and the weighted Hessian Σc_n∇²q_n (nets.hvps, one dual pass)."""
    from checker.margin_kernels import NetworkKernel
    name, prob, theta = _kernel_cases()[case]
    fast, slow = prob.kernel, NetworkKernel(prob.net, prob.X, prob.y)
    assert type(fast) is not NetworkKernel
    c = np.linspace(-1.0, 1.0, prob.X.shape[0])
    pf, ps = fast.forward(theta), slow.forward(theta)
    np.testing.assert_allclose(pf.q, ps.q, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(fast.gradient(pf, c), slow.gradient(ps, c), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.jacobian(pf), slow.jacobian(ps), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.hessian(pf, c), slow.hessian(ps, c), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("clock", ["loss", "arc"])
@pytest.mark.parametrize("case", range(5))
def test_exact_jacobian_against_differences(case: int, clock: str) -> None:
    """The clock field's exact Jacobian (ClockField.jacobian) against central differences of the
    field, at a state of the flow (log t ≈ 1.5, before the ReLU flows reach a sliding surface, across
    which the field is only continuous) on its piece (kinks: the side's selections)."""
    from checker.clocks import ClockField, FlowRun
    name, prob, theta = _kernel_cases()[case]
    run = FlowRun(prob, theta)
    run.trajectory(horizon_ladder(1.5, 2, first=1.0))
    assert not run.piece.sliding
    field, state = ClockField(prob, clock, run.piece), run.state.copy()
    J = field.jacobian(0.0, state)
    fd = np.empty_like(J)
    for k in range(state.size):
        h = 1e-6 * max(1.0, abs(state[k]))
        up, down = state.copy(), state.copy()
        up[k] += h
        down[k] -= h
        fd[:, k] = (field(0.0, up) - field(0.0, down)) / (2 * h)
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-7 * max(1.0, np.abs(fd).max()))


def test_long_horizon_finishes() -> None:
    """To log t = 10⁸ (ℓ = log(1 + log t) as the state; past 10⁷ the tolerance is the field's noise
    floor 4ε·log t, checker.clocks.noise_floor): a smooth and a kinked flow finish, finite, with
    q_min/log t → 1 (LL-T4.3) and the rungs where asked."""
    for prob, theta0 in (problem("relu2"), crossing_problem()):
        ladder = horizon_ladder(1e8, 1)
        run = integrate_flow(prob, theta0, ladder, rtol=1e-8)
        assert np.all(np.isfinite(run.thetas)) and np.all(np.isfinite(run.path))
        np.testing.assert_allclose(run.logt, ladder, rtol=1e-9)
        assert prob.margins(run.thetas[-1]).min() / run.logt[-1] == pytest.approx(1.0, abs=1e-6)
        assert run.rtol > 1e-8  # the last decade at the noise floor


def test_escalation_continues_the_shared_runs() -> None:
    """A ladder that extends an earlier one continues the shared runs (checker.clocks.flow_run): on
    the common rungs the values are the same numbers as a fresh run's, and the extension costs only
    the new decade's steps."""
    prob, theta0 = problem("relu2")
    short, long = horizon_ladder(1e3, 4), horizon_ladder(1e4, 4)
    first = checked_flow(prob, theta0, short, rtol=1e-8)
    second = checked_flow(prob, theta0, long, rtol=1e-8)
    fresh = integrate_flow(prob, theta0, long, rtol=1e-8)
    np.testing.assert_array_equal(second.run.thetas, fresh.thetas)
    np.testing.assert_array_equal(second.run.path, fresh.path)
    np.testing.assert_array_equal(np.asarray(first.thetas), second.run.thetas[:len(short)])
    assert second.run.steps == fresh.steps and first.run.steps < second.run.steps


def test_an_interrupted_shared_run_is_not_continued() -> None:
    """A shared run interrupted inside a step (the search's time guard raises asynchronously) is not
    continued: the next request gets a fresh run, with the fresh run's values."""
    from checker.clocks import flow_run, shared_trajectory
    prob, theta0 = problem("relu2", "logistic")
    ladder = horizon_ladder(1e3, 4)
    run = flow_run(prob, theta0, clock="loss", rtol=1e-8, method="BDF")
    field = run.problem.kernel

    class Interrupt(BaseException):
        pass

    calls = {"n": 0}
    original = type(field).forward

    def flaky(self, theta):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 50:
            raise Interrupt
        return original(self, theta)

    type(field).forward = flaky
    try:
        with pytest.raises(Interrupt):
            run.trajectory(ladder)
    finally:
        type(field).forward = original
    assert run.interrupted
    again = shared_trajectory(prob, theta0, ladder, clock="loss", rtol=1e-8, method="BDF", max_steps=None)
    np.testing.assert_array_equal(again.thetas, integrate_flow(prob, theta0, ladder, rtol=1e-8).thetas)
