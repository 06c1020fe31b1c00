"""Marion–Chizat sharpness family (theorems/sharpness/): every theorem reaches its verdict, every
mutated claim is refuted by the checker's own search and replays, and the S_min enclosure and the
sharpness formulas agree with independent computations."""
from __future__ import annotations

from conftest import assert_refuted_and_replays, assert_verdict

import dataclasses

import numpy as np
import pytest
import sympy
from flint import arb, fmpq

from checker import Enclosure, linear as lin, registry
from checker import sharpness as sh
from checker.regression import Regression, regression
from checker.spectra import top_eigenvalue_exact
from checker.arith import Precision, rational_array, rational_power, rational_root, to_jsonable, working_precision
from checker.statements import enclose
from checker.profiles import profile
from checker.verdicts import Verdict
from theorems import sharpness as mc
from theorems.sharpness.minimisers import SCALES

QUICK = profile("quick")
FAST_SHRINK = dataclasses.replace(QUICK, shrink_seconds=0.5)  # refutation is found by the search; shrinking is capped
STATEMENTS = registry.statements()
CERTIFIED, PASSED = {Verdict.CERTIFIED, Verdict.PROVED}, {Verdict.PASSED}
THEOREMS = {
    "MC-H": {Verdict.PROVED}, "MC-T1": CERTIFIED, "MC-T1-v1": CERTIFIED, "MC-T1-UP": CERTIFIED, "MC-T1-UP-BAL": CERTIFIED,
    "MC-T1-UP-CS": CERTIFIED, "MC-T1-SMIN": CERTIFIED, "MC-LR": CERTIFIED, "MC-LR-GD": PASSED,
    "MC-SMALL": PASSED, "MC-SMALL-RANK1": PASSED, "MC-SMALL-ALIGN": PASSED, "MC-RES": PASSED, "MC-RES-T1": PASSED,
    "MC-REV-BAL-UP": CERTIFIED, "MC-REV-GD": PASSED, "MC-REV-SINGULAR-T1": CERTIFIED, "MC-REV-SINGULAR": CERTIFIED,
}
MUTATIONS = sorted(i for i, s in STATEMENTS.items() if i.startswith(("MUT-MC-", "MC-")) and s.expect == "fails")


@pytest.mark.parametrize("sid", sorted(THEOREMS))
def test_theorem_verdict(sid):
    assert_verdict(STATEMENTS[sid], THEOREMS[sid], QUICK)


@pytest.mark.parametrize("sid", MUTATIONS)
def test_mutation_is_refuted_and_replays(sid):
    assert_refuted_and_replays(STATEMENTS[sid], FAST_SHRINK, QUICK)


def test_every_theorem_has_a_mutation():
    for sid in (t for t in THEOREMS if not t.startswith("MC-REV-")):  # reviewers' questions pair up differently
        assert any(m.removeprefix("MUT-").startswith(sid + "-") for m in MUTATIONS), sid


def _instance(X, w_star, layers, eta="1") -> dict:
    X = np.array([[fmpq(x) for x in row] for row in X], dtype=object)
    w = np.array([fmpq(x) for x in w_star], dtype=object)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ w), "draw": "test", "layers": to_jsonable(layers),
            "eta_factor": eta}


def test_non_minimisers_and_singular_data_are_out_of_scope():
    one = lambda *r: np.array([[fmpq(x) for x in r]], dtype=object)  # noqa: E731
    not_min = _instance([[1, 0], [0, 2]], [1, 1], [one(1, 0)])
    assert mc.MIN.scope(not_min, Precision()) == "w(W) ≠ w⋆ exactly: not a global minimiser"
    assert mc.ANYWHERE.scope(not_min, Precision()) is None
    singular = _instance([[1, 1], [2, 2]], [1, 0], [one(1, 0)])
    assert "singular" in mc.MIN.scope(singular, Precision())


def test_sharpness_formula_matches_the_full_hessian_and_the_certificate():
    rng = np.random.default_rng(0)
    X = rng.integers(-3, 4, size=(5, 3))
    reg = Regression(rational_array(X.tolist()), rational_array((X @ [1, -2, 1]).tolist()))
    one = np.array([fmpq(1)], dtype=object)
    upper = [rational_array(rng.integers(-2, 3, size=s).tolist()) for s in [(3, 2), (1, 3)]]
    layers = lin.complete_minimiser(upper, rational_array(rng.integers(-2, 3, size=(2, 3)).tolist()), reg.w_star, one)
    S_H = sh.sharpness_at_minimiser(layers, one, reg.sigma, 128)
    S_full = sh.sharpness_full(layers, one, reg, 128)
    cR = sh.rayleigh_certificate(layers, one, reg.sigma, reg.w_star)
    with working_precision(128):
        assert arb(S_H).overlaps(arb(S_full)) and arb(S_H) >= cR
    assert sh.hessian_gap(layers, one, reg) == 0 == sh.spectrum_gap(layers, one, reg)


def _smin_brute_force(reg: Regression, L: int) -> float:
    sigma, _, w = reg.floats
    M = np.outer(w, w)
    xs = np.exp(np.linspace(-8, 8, 40001))
    return 2 * min(float(np.max(np.linalg.eigvals((x * np.eye(len(w)) + (L - 1) * x ** (-1 / (L - 1)) * M) @ sigma).real))
                   for x in xs[::40])


@pytest.mark.parametrize("L", [2, 3, 5])
def test_smin_enclosure_against_brute_force_and_constructions(L):
    X = [[2, 0, 0], [1, 1, 0], [0, -1, 3], [1, 2, 1]]
    reg = Regression(rational_array(X), rational_array((np.array(X) @ [1, 2, -1]).tolist()))
    smin = sh.smin_enclosure(reg, L, 128)
    with working_precision(128):
        assert float(smin.rad()) < 1e-12 * float(smin.mid())
        assert float(smin.mid()) <= _smin_brute_force(reg, L) * (1 + 1e-6)
        assert float(smin.mid()) >= _smin_brute_force(reg, L) * (1 - 1e-3)
        bound = 2 * L * reg.a * arb(reg.wnorm2) ** (1 - fmpq(1, L))
        assert smin > bound and smin < sh.sharpness_balanced(reg, L, 128)
        for t in (fmpq(1, 2), fmpq(1), fmpq(3, 2)):  # every aligned rank-one minimiser is at least as sharp
            assert 2 * arb(top_eigenvalue_exact(sh.smin_objective_matrix(reg, L, t), 128)) >= smin.lower()


def test_smin_is_exact_when_the_bounds_meet():
    """w⋆ an eigenvector of Σ with the balanced point optimal: S_min = 2La‖w⋆‖^{2−2/L}, an exact rational."""
    X = [[1, 0], [0, 1]]
    reg = Regression(rational_array(X), rational_array([8, 0]))  # w⋆ = (8, 0), Σ = I/2
    for L in (1, 2, 3):
        expected = 2 * L * reg.a * rational_power(reg.wnorm2, L - 1, L, 128)  # ‖w⋆‖^{2−2/L} = 8, 16: rational
        assert sh.smin_enclosure(reg, L, 128) == expected
    assert sh.sharpness_balanced(reg, 3, 128) == 48  # ‖w⋆‖^{1/3} = 2: the balanced minimiser is rational
    with working_precision(128):  # ‖w⋆‖^{1/2} = 2√2: a ball around the same value
        assert sh.sharpness_balanced(reg, 2, 128).contains(16)


def test_flow_limit_quantities_are_estimates_with_their_budget():
    inst = {"X": [["1", "0"], ["0", "2"], ["1", "1"]], "y": ["1", "-2", "0"], "widths": [2, 2, 1], "scale": "1/16",
            "gain": "1", "seed": 3}
    values = mc.SMALL.measure(inst, QUICK.precision, frozenset({"S", "S_bal", "dist", "sigma2", "imbalance", "converged"}))
    assert values["converged"].mid == 1 and values["dist"].mid <= 1e-9
    assert values["S"].kind == "estimate" and values["S"].radius < 1e-4 * values["S"].mid
    assert abs(values["S"].mid - values["S_bal"].mid) < 0.05 * values["S_bal"].mid  # small ε: near the balanced limit
    assert values["sigma2"].mid <= values["imbalance"].mid


def test_exact_rational_powers():
    assert rational_power(fmpq(16, 81), 3, 4, 64) == fmpq(8, 27)
    assert isinstance(rational_power(fmpq(2), 1, 2, 64), arb)
    assert rational_root(fmpq(-8), 3) is None and rational_root(fmpq(27, 8), 3) == fmpq(3, 2)
    w, L = sympy.symbols("wnorm L")
    assert enclose(w ** (2 - 2 / L), {"wnorm": Enclosure.exact(4), "L": Enclosure.exact(4)}, 128).value == 8
    assert enclose(w ** (2 - 2 / L), {"wnorm": Enclosure.exact(2), "L": Enclosure.exact(4)}, 128).kind == "ball"


def test_ratio_figure(tmp_path):
    caption = mc.figure_ratio_vs_depth(tmp_path / "ratio.png")
    assert (tmp_path / "ratio.png").stat().st_size > 10_000 and "lower bound" in caption


@pytest.mark.slow
@pytest.mark.parametrize("figure", [mc.figure_sharpness_vs_scale, mc.figure_descent_vs_step, mc.figure_residual_constant,
                                    mc.figure_gd_sharpness_vs_step])
def test_flow_figures(tmp_path, figure):
    path = tmp_path / "figure.png"
    assert figure(path) and path.stat().st_size > 10_000


def _conjecture(conclusion: str, hypotheses: tuple[str, ...] = ()):
    from checker.statements import Statement

    return Statement(id="conjecture", title="conjecture", source="test", system=mc.MIN, conclusion=conclusion,
                     hypotheses=hypotheses)


def test_strict_lower_bound_is_refuted_at_a_structured_equality_case():
    """'S > 2La‖w⋆‖^{2−2/L}' fails with equality on the boundary cases (w⋆ an eigenvector of Σ,
    Σ ∝ I) at depth and dimension ≥ 2, which the instance mix now draws."""
    from checker.search import run_statement

    res = run_statement(_conjecture(f"S > {mc.BOUND}", ("L >= 2", "d >= 2")), QUICK, seed=0, database_dir=None)
    assert res.verdict is Verdict.REFUTED, res.message
    assert res.counterexample["case"] in ("w⋆ eigenvector", "Σ ∝ I", "repeated eigenvalues")


def test_readme_form_of_the_unbalanced_upper_bound_is_certified():
    """2LΛ^{1/L}a^{1−1/L}‖w⋆‖^{2−2/L} as written in the README: equal to S_min (an algebraic number)
    on the equality cases, decided exactly there."""
    assert_verdict(_conjecture("S_min <= 2*L*Lambda**(1/L)*a**(1-1/L)*wnorm**(2-2/L)", ("L >= 2",)), CERTIFIED, QUICK)


def test_instance_mix_is_mostly_deep_and_multidimensional():
    from hypothesis import HealthCheck, given, settings

    seen = []

    @settings(max_examples=60, database=None, suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
    @given(mc.MIN.strategy)
    def draw(instance):
        seen.append(mc.MIN.features(instance))

    draw()
    deep = sum(f["L"] >= 2 and f["d"] >= 2 for f in seen)
    assert deep > len(seen) / 2, deep
    assert {f["case"] for f in seen} >= {"generic", "w⋆ eigenvector", "Σ ∝ I", "repeated eigenvalues"}
    assert {f["scale"] for f in seen} == set(SCALES)


def test_rebuttal_formula_is_not_the_balanced_sharpness_on_the_reviewers_instance():
    """L = 2, Σ = diag(1/4, 1/16), w⋆ = e₂: S_bal = 1/2 exactly, the rebuttal's formula 2√34/16 ≈ 0.729."""
    from checker.search import replay

    X = [[1, 0], [0, "1/2"], [0, 0], [0, 0]]
    one = lambda *r: np.array([[fmpq(x) for x in r]], dtype=object)  # noqa: E731
    inst = _instance(X, [0, 1], [one(0, 1), one(1)])
    values = mc.MIN.measure(inst, QUICK.precision, frozenset({"S_bal", "S", "Lambda", "a"}))
    assert values["S_bal"].value == fmpq(1, 2) == values["S"].value
    assert values["Lambda"].value == fmpq(1, 4) and values["a"].value == fmpq(1, 16)
    assert replay(STATEMENTS["MC-REV-BAL-EQ"], inst, QUICK).verdict is Verdict.REFUTED
    assert replay(STATEMENTS["MC-REV-BAL-UP"], inst, QUICK).verdict is Verdict.CERTIFIED


def test_singular_covariance_uses_the_minimum_norm_solution():
    X = [[1, 1], [2, 2], [1, 1]]
    inst = _instance(X, [1, 1], [np.array([[fmpq(1), fmpq(1)]], dtype=object)])
    reg = regression(inst)
    assert reg.singular and list(reg.w_star) == [1, 1] and mc.MIN.scope(inst, Precision()).startswith("Σ")
    assert mc.DEGENERATE.scope(inst, Precision()) is None


def test_gd_convergence_witness_is_replayed_in_balls():
    """MUT-MC-LR-GD-below rests on a float64 GD run; its counterexample is certified by the ball replay."""
    from checker.search import replay, run_statement

    stmt = STATEMENTS["MUT-MC-LR-GD-below"]
    res = run_statement(stmt, FAST_SHRINK, seed=0, database_dir=None)
    assert res.verdict is Verdict.REFUTED, res.message
    again = replay(stmt, res.counterexample, QUICK)
    assert again.verdict is Verdict.REFUTED and set(again.evidence) <= {"exact", "ball"}
