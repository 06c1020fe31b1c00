"""checker.classification: exact margins, norms and their one-sided rates, margin rates against
finite differences, the certified steepest-descent velocity (exact zeros and ties), the float oracle
of loss-normalised time; checker.maxmargin: exact ℓ1/ℓ∞ maximum margins against scipy's LP."""
import numpy as np
import pytest
from flint import arb, fmpq

from checker.arith import rational_array, working_precision
from checker.classification import (Classification, NormalisedObjective, certain_sign, norm, norm_power, norm_rate,
                                    steepest_velocity)
from checker.dynamics import steepest_direction
from checker.nets import MLP, activation

X = [["1", "1/2"], ["2/3", "-1"], ["-1", "1/3"]]
Y = [1, 1, -1]
THETA = rational_array(["2", "1/4", "-2", "-1/4", "1/3", "0", "2", "-2", "1/7"]) * 2  # one zero coordinate


def relu_problem(loss: str = "exp") -> Classification:
    return Classification.of(MLP((2, 3, 1), (activation("relu"),)), X, Y, loss)


def test_norms_exact_and_one_sided_rates():
    theta = rational_array(["3", "-3", "0", "1"])
    v = rational_array(["1", "2", "-5", "7"])
    assert norm(theta, "l1") == 7 and norm(theta, "linf") == 3
    assert norm_power(theta, "l2", 2) == 19 and isinstance(norm_power(theta, "l2", 3), arb)
    assert norm_rate(theta, v, "l1") == 1 - 2 + 5 + 7  # |v_i| where θ_i = 0
    assert norm_rate(theta, v, "linf") == max(1, -2)  # the largest tied coordinate's one-sided rate
    with working_precision(128):
        assert abs(norm_rate(theta, v, "l2") - arb(3 - 6 + 7) / arb(19).sqrt()) < arb(10) ** -30
    h = fmpq(1, 10 ** 6)
    for p in ("l1", "linf"):  # one-sided: exact difference quotients converge from the right
        assert abs((norm(theta + h * v, p) - norm(theta, p)) / h - norm_rate(theta, v, p)) == 0


@pytest.mark.parametrize("loss", ["exp", "logistic"])
@pytest.mark.parametrize("p", ["l1", "l2", "linf"])
def test_margin_rates_match_difference_quotients(loss, p):
    problem = relu_problem(loss)
    assert problem.scope(THETA, 128) is None
    state = problem.state(THETA, 128)
    v = steepest_velocity(state.grad, p)
    scale = float(state.total.mid())  # rational velocity of order 1 along v
    w = np.array([fmpq(int(round(float(c.mid()) / scale * 10 ** 12)), 10 ** 12) for c in v], dtype=object)
    h = fmpq(1, 10 ** 9)
    ahead, behind = problem.state(THETA + h * w, 200), problem.state(THETA - h * w, 200)
    with working_precision(200):
        central = (ahead.smoothed_margin(p) - behind.smoothed_margin(p)) / arb(2 * h)
        forward = (ahead.normalised_margin(p) - state.normalised_margin(p)) / arb(h)
        rate, bar_rate = state.smoothed_margin_rate(w, p), state.normalised_margin_rate(w, p)
        assert abs(central - rate) < arb(10) ** -12 * (1 + abs(rate))
        assert abs(forward - bar_rate) < arb(10) ** -8 * (1 + abs(bar_rate))
        assert abs(state.log_smoothed_margin_rate(w, p) * state.smoothed_margin(p) - rate) < arb(10) ** -25


def test_steepest_velocity_certifies_its_selection():
    g = np.array([arb(1, 0.1), arb(-2), arb(0)], dtype=object)
    v = steepest_velocity(g, "linf")
    assert [certain_sign(c) for c in v] == [-1, 1, 0]
    assert all(a.overlaps(b) for a, b in zip(v, steepest_direction(g, "linf"))) and v[1].contains(3)
    with pytest.raises(ArithmeticError):
        steepest_velocity(np.array([arb(0, 1e-3), arb(1)], dtype=object), "linf")  # sign undecided
    with pytest.raises(ArithmeticError):
        steepest_velocity(np.array([arb(1, 0.5), arb(-1.2, 0.5)], dtype=object), "l1")  # largest undecided
    assert list(steepest_velocity(np.array([arb(1), arb(-3)], dtype=object), "l1")) == [0, 3]


def test_euler_defects_vanish_exactly_on_homogeneous_networks():
    assert all(r == 0 for r in relu_problem().euler_defects(THETA))
    biased = Classification.of(MLP((2, 2, 1), (activation("relu"),), bias=True), X, Y, "exp")
    theta = rational_array(["1", "2", "-1", "1/2", "1/3", "1/5", "2", "-1", "3"])  # output bias 3
    defects = biased.euler_defects(theta)
    assert not biased.homogeneous and biased.K == 2
    assert list(defects) == [y * 3 for y in Y]  # ⟨θ, ∇f⟩ = 2f − c for a two-layer net with output bias c


def test_normalised_oracle_is_the_gradient_over_the_loss():
    problem = relu_problem()
    theta = np.array([float(c) for c in THETA])
    state = problem.state(THETA, 128)
    expected = np.array([float(c.mid()) for c in state.grad]) / float(state.total.mid())
    oracle = NormalisedObjective(problem)
    assert np.allclose(oracle.gradient(theta), expected, rtol=1e-12)
    assert np.allclose(oracle.gradient(theta.astype(np.longdouble)).astype(float), expected, rtol=1e-12)
    assert np.allclose(oracle.sample_gradient(theta, [0, 1, 2]), expected, rtol=1e-12)


def test_exact_vanishing_decides_zero_gradient_coordinates_and_ties():
    # two points with equal margins whose contributions to ∂ℒ/∂w_2 cancel exactly: w = (1, 0)
    problem = Classification.of(MLP((2, 1), ()), [["1", "1"], ["1", "-1"]], [1, 1], "exp")
    state = problem.state(rational_array(["1", "0"]), 128)
    assert state.vanishes([0, 1]) and not state.vanishes([1, 0])
    v = state.steepest_velocity("linf")  # ∂ℒ/∂w_2 = 0 exactly: u_2 = 0 is admissible
    assert certain_sign(v[0]) == 1 and v[1] == 0
    tied = Classification.of(MLP((2, 1), ()), [["1", "1"]], [1], "logistic").state(rational_array(["1", "1"]), 128)
    assert tied.vanishes([1, -1])  # |∂_1ℒ| = |∂_2ℒ| exactly: either coordinate is a steepest ℓ1 move
    assert sum(1 for c in tied.steepest_velocity("l1") if not c == 0) == 1


def test_exact_max_margins_agree_with_linprog():
    from scipy.optimize import linprog

    from checker.maxmargin import max_margin

    rows = rational_array([["1", "3"], ["2", "1/2"], ["1/3", "2"], ["-1", "5"]])
    A = rows.astype(float)
    d = 2
    for p in ("l1", "linf"):
        gamma, w = max_margin(rows, p)
        assert all(sum(a * b for a, b in zip(r, w)) >= 1 for r in rows)
        k = 1 if p == "linf" else d
        c = np.r_[np.zeros(d), np.ones(k)]
        box = np.eye(d) if p == "l1" else np.eye(d)
        slack = -np.eye(d) if p == "l1" else -np.ones((d, 1))
        A_ub = np.vstack([np.c_[-A, np.zeros((len(A), k))], np.c_[box, slack], np.c_[-box, slack]])
        res = linprog(c, A_ub=A_ub, b_ub=np.r_[-np.ones(len(A)), np.zeros(2 * d)], bounds=[(None, None)] * (d + k))
        assert abs(float(gamma) - 1 / res.fun) < 1e-9


def test_one_point_rates_factor_through_an_exact_rational():
    """One point a = (1, 5/3), θ = (9, 9) along sign flow: d/dt log γ̃_∞ = g(q)·β with β = 0 exactly
    (θ ∥ sign a attains q = ‖θ‖_∞‖a‖₁), and β has the sign of the ball rate elsewhere."""
    problem = Classification.of(MLP((2, 1), ()), [["1", "5/3"]], [1], "exp")
    assert problem.state(rational_array(["9", "9"]), 128).one_point_log_rate("linf", "linf") == 0
    for theta, p in ((["9", "4"], "linf"), (["1", "2"], "l2"), (["2", "-1/3"], "l1")):
        state = problem.state(rational_array(theta), 128)
        beta = state.one_point_log_rate(p, p)
        assert beta > 0 and state.log_smoothed_margin_rate(state.steepest_velocity(p), p) > 0
    assert relu_problem().state(THETA, 128).one_point_log_rate("l2", "l2") is None
