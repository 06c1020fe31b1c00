"""Lyu–Li / Ji–Telgarsky family (theorems/margins.py): verdicts at the quick profile, every
mutation refuted by the checker's own search with an honest witness, and the closed forms and
pointwise formulas checked against integration."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from checker import MeasurementError, Precision, registry
from checker.statements import Statement
from checker.clocks import Classifier, horizon_ladder, integrate_flow
from checker.dynamics import gradient_flow
from checker.integrators import solve
from checker.limits import least_squares_limit
from checker.losses import loss
from checker.nets import MLP, activation
from checker.objectives import Objective
from checker.quantities import Quantity
from checker.search import replay, run_statement
from checker.profiles import profile
from checker.verdicts import Verdict
from theorems import margins as M
from theorems.margins import figures, flows, instances

QUICK = profile("quick")
POINTWISE = ("LL-M", "LL-T4.1", "JT-SQRELU-KKT")
ASYMPTOTIC = ("LL-T4.3", "LL-T4.3-LOSS", "LL-T4.3-RHO", "LL-T4.3-RATE", "LL-T4.4", "JT-T3.1", "JT-T3.1-FL", "JT-T4.1",
              "JT-LIN", "JT-LIN-MARGIN", "JT-SQRELU")
MUTATIONS = ("MUT-LL-M-mean", "MUT-LL-T4.1-GD", "MUT-LL-T4.3-square", "MUT-LL-T4.4-bias", "MUT-JT-T4.1-autodiff",
             "MUT-JT-LIN-square", "MUT-JT-SQRELU-KKT-factor")


def statement(sid: str):
    return registry.statements()[sid]


def test_every_id_is_registered() -> None:
    ids = {s for s, st in registry.statements().items() if st.origin == "theorems.margins"}
    assert ids == set(POINTWISE + ASYMPTOTIC + MUTATIONS)


@pytest.mark.parametrize("sid", POINTWISE)
def test_pointwise_claims_are_certified(sid: str) -> None:
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict is Verdict.CERTIFIED, result.message
    assert result.in_scope >= 10


@pytest.mark.parametrize("sid", MUTATIONS)
def test_mutations_are_refuted_with_honest_witnesses(sid: str) -> None:
    """Each mutation is refuted by the search, and its witness is exact or a rigorous ball — a
    pointwise inequality of certified wrong sign or a closed form — never an estimate from a
    finite horizon (THEOREMS.md §0.2 (c))."""
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict is Verdict.REFUTED, result.message
    again = replay(statement(sid), result.counterexample, QUICK)
    assert again.verdict is Verdict.REFUTED
    assert set(again.evidence) <= {"exact", "ball"}, again.evidence


# Representative instances for the asymptotic claims, replayed at the quick profile (the full
# searches are in the slow test below: about a minute of integration).
REPLAYS = {
    "relu": {"arch": "relu", "loss": "exp", "width": 3, "X": [["-11/14", "23/10", "1/4"], ["-1/2", "-5/2", "7/2"],
             ["-19/10", "-5/2", "-1/4"], ["-1/6", "2", "-11/4"], ["5/3", "-2/5", "6/5"]], "y": [1, 1, 1, -1, -1],
             "theta": ["-114/35", "43/35", "27/10", "27/10", "-33/25", "-31/10", "-7/5", "2/5", "7/20", "13/10", "-11/5", "2/5"]},
    "linear": figures.FIGURE_INSTANCES["linear"],
    "sqrelu": figures.FIGURE_INSTANCES["sqrelu"],
}
APPLIES = {"JT-T4.1": ("linear", "sqrelu"), "JT-LIN": ("linear",), "JT-LIN-MARGIN": ("linear",), "JT-SQRELU": ("sqrelu",)}
# On the ReLU flow the KKT residual decays like (log t)^(-1/2): at log t = 10⁶ its extrapolated limit is
# 3.1e-6 with a ladder error of 2.7e-6, on the edge of the budget, so the verdict turns on the last
# digits of the BDF run (passed on one CPU, inconclusive on another; the default report has LL-T4.4
# inconclusive).  There it must not be refuted, and nothing more is asserted.
UNDECIDED = {"LL-T4.4": ("relu",)}


@pytest.mark.parametrize("sid", ASYMPTOTIC)
def test_asymptotic_claims_pass_on_representative_flows(sid: str) -> None:
    for arch, inst in REPLAYS.items():
        result = replay(statement(sid), inst, QUICK)
        if arch in UNDECIDED.get(sid, ()):
            assert result.verdict in (Verdict.PASSED, Verdict.INCONCLUSIVE), (arch, result.message)
        elif arch in APPLIES.get(sid, REPLAYS):
            assert result.verdict is Verdict.PASSED, (arch, result.message)
            assert result.evidence == {"estimate": 1}
        else:
            assert result.verdict is Verdict.VACUOUS


@pytest.mark.slow
@pytest.mark.parametrize("sid", ASYMPTOTIC)
def test_asymptotic_claims_pass_the_quick_search(sid: str) -> None:
    """Passed or inconclusive (LL-T4.4: a KKT residual ∝ 1/log t whose extrapolation stalls on a huge-scale
    start), never refuted on float evidence."""
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict in (Verdict.PASSED, Verdict.INCONCLUSIVE), result.message
    assert result.verdict is Verdict.PASSED or sid == "LL-T4.4", result.message


def claim(conclusion: str) -> Statement:
    return Statement("user", "a user's limit claim", "test", M.margin_flows(), conclusion)


# Issue 8's done-when: near-miss limits are not passed, the true ones are (one replayed flow each;
# the rungs of every flow are shared, so these cost one integration per instance).
NOT_PASSED = ("limit(qmin/logt) == 995/1000", "limit(log_loss/logt) == -98/100", "limit(rho**K/logt) == 0",
              "limit(qmin/logt, log(H)/H) == 995/1000", "limit((log_loss + logt)/log(logt), 1/log(H)) == -(3 - 2/K)")
PASSED = ("limit(qmin/logt) == 1", "limit(rho**K*gamma_bar/logt) == 1", "limit(log_loss/logt) == -1")


@pytest.mark.parametrize("conclusion", NOT_PASSED)
def test_near_miss_limits_are_not_passed_nor_refuted(conclusion: str) -> None:
    for inst in REPLAYS.values():
        result = replay(claim(conclusion), inst, QUICK)
        assert result.verdict is Verdict.INCONCLUSIVE, (conclusion, result.message)


@pytest.mark.parametrize("conclusion", PASSED)
def test_true_limits_pass(conclusion: str) -> None:
    for inst in REPLAYS.values():
        result = replay(claim(conclusion), inst, QUICK)
        assert result.verdict is Verdict.PASSED, (conclusion, result.message)


@pytest.mark.slow
@pytest.mark.parametrize("conclusion", NOT_PASSED[:3] + PASSED[:2])
def test_limit_claims_on_the_quick_search(conclusion: str) -> None:
    result = run_statement(claim(conclusion), QUICK, seed=0, database_dir=None)
    assert result.verdict is (Verdict.PASSED if conclusion in PASSED else Verdict.INCONCLUSIVE), result.message


def test_trajectory_ladder() -> None:
    """The trajectory of margin_flows: every contract quantity on every rung, K exact, the rest
    estimates; q_min/log t close to 1 at the top rung; the run is shared (a second call is free)."""
    system = M.margin_flows()
    ladder = system.ladder(REPLAYS["linear"], QUICK.precision, set(flows.TRAJECTORY_QUANTITIES) - {"sum_v2", "sum_a2"})
    assert ladder.horizons[0] == 10 and ladder.horizons[-1] == pytest.approx(1e6)
    assert {"K", "logt", "rho", "qmin", "log_loss", "gamma_bar", "gamma_tilde", "one_minus_cos", "kkt",
            "path_length"} <= set(ladder.values)
    assert all(v.kind == "exact" for v in ladder.values["K"])
    assert ladder.values["qmin"][-1].mid / ladder.horizons[-1] == pytest.approx(1, abs=1e-4)
    with pytest.raises(MeasurementError):
        system.ladder(REPLAYS["linear"], QUICK.precision, {"sum_v2"})


def test_pointwise_derivative_matches_the_flow() -> None:
    """d/dt log γ̃ of LL-T4.1 (arb, from the formula) against a difference quotient of log γ̃
    along a short float64 gradient-flow integration."""
    inst = dict(REPLAYS["relu"], eta="1")
    values = M.network_points().measure(inst, Precision(), frozenset({"dlog_gamma_tilde"}))
    prob = instances.floats(instances.exact_problem(inst))
    theta = np.array([float(c) for c in instances.weights(inst)])

    def log_gamma(th: np.ndarray) -> float:
        return math.log(-prob.log_loss(th) / np.linalg.norm(th) ** 2)

    h = 1e-5
    later = solve(gradient_flow(), Objective(prob.net, prob.X, prob.y, prob.loss), theta, [h], rtol=1e-10).theta
    assert (log_gamma(later) - log_gamma(theta)) / h == pytest.approx(values["dlog_gamma_tilde"].mid, rel=1e-3)


def test_square_loss_closed_form_is_the_flow_limit() -> None:
    """The exact least-squares limit of MUT-JT-LIN-square against DOP853 on the squared loss."""
    X = np.array([[1, 2], [-1, 1], [3, -1]], dtype=object)
    from flint import fmpq

    Xq = np.array([[fmpq(int(c)) for c in row] for row in X], dtype=object)
    y = np.array([fmpq(1), fmpq(-1), fmpq(1)], dtype=object)
    w0 = np.array([fmpq(1, 2), fmpq(-1, 3)], dtype=object)
    limit = np.array([float(c) for c in least_squares_limit(Xq, y, w0)])
    objective = Objective(MLP((2, 1), ()), X.astype(float), np.array([[1.0], [-1.0], [1.0]]), loss("squared"))
    end = solve(gradient_flow(), objective, np.array([0.5, -1 / 3]), [199.0], rtol=1e-9).theta
    np.testing.assert_allclose(end, limit, atol=1e-8)


def test_output_bias_closed_form_is_the_flow_limit() -> None:
    """The closed-form limit direction of MUT-LL-T4.4-bias against the clock integration of the
    (non-homogeneous) flow: the direction error decays, and the output bias's share → 0."""
    x, label = np.array([[0.5, -1.0]]), np.array([[1.0]])
    net = MLP((2, 2, 1), (activation("linear"),), bias=True)
    theta0 = np.array([1.0, 0.5, -0.5, 1.0, 0.25, 0.5, 1.0, 0.5, 0.1])
    prob = Classifier(net, x, label, loss("exp"))
    run = integrate_flow(prob, theta0, horizon_ladder(1e4, 1), rtol=1e-9)
    W1, b1, W2, c = net.unflatten(theta0)
    xt = np.array([0.5, -1.0, 1.0])
    beta = np.array([(np.append(W1[j], b1[j]) @ xt) / np.linalg.norm(xt) + W2[0, j] for j in range(2)])
    lim = net.flatten([np.outer(beta, xt[:2] / np.linalg.norm(xt)), beta * xt[2] / np.linalg.norm(xt), beta[None, :], np.zeros(1)])
    lim /= np.linalg.norm(lim)
    errors = [np.linalg.norm(t / np.linalg.norm(t) - lim) for t in run.thetas]
    assert errors[-1] < 0.05 and errors[-1] < errors[0]
    assert abs(run.thetas[-1][-1]) / np.linalg.norm(run.thetas[-1]) < 0.05


@pytest.mark.parametrize("figure", [M.figure_margins, M.figure_alignment, M.figure_svm,
                                    M.ladder_figure("qmin/logt", "log(H)/H")])
def test_figures(figure, tmp_path) -> None:
    out = tmp_path / "fig.png"
    caption = figure(out)
    assert out.stat().st_size > 1000 and caption


def test_relative_step_at_the_origin() -> None:
    """`check LL-T4.1 --profile thorough --seed 1` drew θ = 0 (out of scope, but its GD step is drawn
    first): the relative step has no scale there and is 1, not a math domain error."""
    inst = {"arch": "relu", "loss": "exp", "width": 2, "X": [["1", "0"], ["0", "1"]], "y": [1, -1], "theta": ["0"] * 6}
    assert instances._relative_step(inst, Fraction(1)) == "1"


def test_hand_built_witnesses_are_labelled() -> None:
    """MUT-JT-T4.1-autodiff is refuted on a hand-built family (exact sliding rays), and says so."""
    assert "template" in statement("MUT-JT-T4.1-autodiff").witness_family
    assert all(not statement(sid).witness_family for sid in MUTATIONS if sid != "MUT-JT-T4.1-autodiff")


def test_quantities_have_display_names_and_error_models() -> None:
    """Every quantity of every margin system is a Quantity with a LaTeX display name; trajectory
    quantities are estimates (K exact), measured by the one function in their table."""
    systems = (M.margin_vectors(), M.network_points(), M.margin_flows(), M.square_loss_limits(), M.output_bias_limits(),
               M.sliding_rays())
    for system in systems:
        for q in (*system.quantities.values(), *system.trajectory_quantities.values()):
            assert isinstance(q, Quantity) and q.latex, (system.name, q.name)
    traj = M.margin_flows().trajectory_quantities
    assert traj["K"] is M.network_points().quantities["K"] is M.margin_flows().quantities["K"]
    assert {q.error for n, q in traj.items() if n != "K"} == {"estimate"}
    assert all(q.measure is not None for n, q in traj.items() if n not in ("K", "logt"))
    assert M.margin_flows().latex_names()["gamma_tilde"] == r"\tilde\gamma"
