"""The search: certification, refutation with shrinking and replay, errors, timeouts, escalation."""
from __future__ import annotations

import dataclasses
import math
import time

from hypothesis import strategies as st

from checker import Enclosure, System, theorem
from checker.arith import rational
from checker.search import decode_instance, encode_instance, replay, run_statement
from checker.statements import Statement
from checker.profiles import profile
from checker.verdicts import Verdict

QUICK = profile("quick")


def _stmt(system, conclusion, **kw):
    return Statement(id=kw.pop("id", "T"), title="t", source="test", system=system, conclusion=conclusion, **kw)


def test_a_true_inequality_is_certified(pair_system):
    res = run_statement(_stmt(pair_system, "a**2 + b**2 >= 2*a*b"), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.CERTIFIED and res.in_scope == res.instances > 0


def test_a_false_claim_is_refuted_shrunk_and_replayable(pair_system):
    stmt = _stmt(pair_system, "a**2 + b**2 >= 3*a*b")
    res = run_statement(stmt, QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.REFUTED
    assert res.counterexample == {"a": "1", "b": "1"}  # the minimal counterexample
    assert res.best_violation >= 1 and res.reproduce.endswith(encode_instance(res.counterexample))
    again = replay(stmt, decode_instance(res.reproduce.rsplit(":", 1)[1]), QUICK)
    assert again.verdict is Verdict.REFUTED and again.worst_margin == -1


def test_extra_hypotheses_put_instances_out_of_scope(pair_system):
    res = run_statement(_stmt(pair_system, "a >= 0", hypotheses=("a > 0",)), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.CERTIFIED and res.out_of_scope > 0


def test_no_instance_in_scope_is_vacuous(pair_system):
    res = run_statement(_stmt(pair_system, "a >= 0", hypotheses=("a**2 < 0",)), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.VACUOUS and "hypothesis" in res.message


def _float_system(measure):
    return System("floats", "a float", {"x": "a float"}, st.just({"v": 1}), measure)


def test_a_nan_is_an_error_with_the_instance():
    system = _float_system(lambda i, p, n: {"x": Enclosure.estimate(math.nan, 0.0)})
    res = run_statement(_stmt(system, "x >= 0"), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.ERROR and "non-finite" in res.message
    assert res.errors[0]["instance"] == {"v": 1} and "--replay" in res.errors[0]["reproduce"]


def test_a_measurement_past_its_time_limit_is_an_error():
    slow = dataclasses.replace(QUICK, instance_seconds=0.05)

    def measure(i, p, n):
        time.sleep(0.3)
        return {"x": Enclosure.exact(1)}

    res = run_statement(_stmt(_float_system(measure), "x >= 0"), slow, seed=1, database_dir=None)
    assert res.verdict is Verdict.ERROR and "timeout" in res.message


def test_undecided_margins_escalate_precision_before_giving_up():
    seen = []

    def measure(i, p, n):
        seen.append(p.bits)
        return {"x": Enclosure.estimate(1e-12, 10.0 ** (-6 * (p.level + 1)))}

    res = run_statement(_stmt(_float_system(measure), "x > 0"), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.PASSED and seen[:2] == [128, 512]

    never = run_statement(_stmt(_float_system(lambda i, p, n: {"x": Enclosure.estimate(0.0, 1.0)}), "x > 0"),
                          QUICK, seed=1, database_dir=None)
    assert never.verdict is Verdict.INCONCLUSIVE and never.counterexample == {"v": 1}


def test_measuring_an_unknown_quantity_is_an_error(pair_system):
    broken = System("broken", "", {"a": "", "b": ""}, pair_system.strategy, lambda i, p, n: {"a": Enclosure.exact(1)})
    res = run_statement(_stmt(broken, "a >= b"), QUICK, seed=1, database_dir=None)
    assert res.verdict is Verdict.ERROR and "did not measure b" in res.message


def test_theorem_registers_and_reports_expectation(pair_system):
    stmt = theorem("TEST-registered", system=pair_system, conclusion="a**2 >= 0", expect="holds")
    res = run_statement(stmt, QUICK, seed=1, database_dir=None)
    assert res.as_expected and res.verdict is Verdict.CERTIFIED
    assert rational(res.counterexample or 0) == 0
