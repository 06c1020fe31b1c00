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


def test_units_are_planned_by_the_profile_and_merge_in_any_order(pair_system):
    import json

    from checker.search import StatementResult, merge, plan_units, run_unit

    prof = dataclasses.replace(QUICK, shards=3)
    stmt = _stmt(pair_system, "a**2 + b**2 >= 2*a*b")
    units = plan_units(stmt, prof, 5, database_dir=None)
    assert [u.examples for u in units] == [9, 8, 8] and len({u.seed for u in units}) == 1
    done = [json.loads(json.dumps(run_unit(stmt, u))) for u in units]  # units travel as JSON
    a, b = merge(stmt, prof, 5, done), merge(stmt, prof, 5, done[::-1])
    for r in (a, b):
        r.seconds = 0.0
        r.statistics.pop("phases")
    assert a == b and a.instances <= 25 and a.statistics["shards"] == 3
    assert StatementResult.from_json(json.loads(json.dumps(a.to_json()))) == a


def test_a_time_guard_that_cuts_the_search_is_an_inconclusive_budget(pair_system):
    cut = dataclasses.replace(QUICK, statement_seconds=0.0)
    res = run_statement(_stmt(pair_system, "a**2 + b**2 >= 2*a*b"), cut, seed=1, database_dir=None)
    assert res.verdict is Verdict.INCONCLUSIVE and res.message.startswith("inconclusive: budget, 0 of 25")
    assert res.budget["kind"] == "statement_seconds"


def test_shrinking_stops_after_its_count_of_steps(pair_system):
    stmt = _stmt(pair_system, "a**2 + b**2 >= 3*a*b")
    res = run_statement(stmt, dataclasses.replace(QUICK, shrink_steps=2), seed=1, database_dir=None)
    assert res.verdict is Verdict.REFUTED and res.statistics["shrink_steps"] == 2 and res.budget is None
    assert res.refutation_evidence == "exact"


def test_a_stored_counterexample_replays_first_from_the_database(pair_system, tmp_path):
    stmt = _stmt(pair_system, "a**2 + b**2 >= 3*a*b")
    first = run_statement(stmt, QUICK, seed=1, database_dir=str(tmp_path))
    assert first.verdict is Verdict.REFUTED and first.statistics["replayed_from_database"] == 0
    one_draw = dataclasses.replace(QUICK, max_examples=1)  # draws only a = b = 0, where the claim holds
    again = run_statement(stmt, one_draw, seed=1, database_dir=str(tmp_path))
    assert again.statistics["replayed_from_database"] == 1 and again.verdict is Verdict.REFUTED
    assert again.counterexample == first.counterexample and "example database" in again.message
    assert again.worst_margin < 0  # the row shows the margin of what refutes it, not of the one draw
    fixed = run_statement(_stmt(pair_system, "a**2 + b**2 >= 2*a*b"), one_draw, seed=1, database_dir=str(tmp_path))
    assert fixed.verdict is Verdict.CERTIFIED  # same id, claim now true: the stored instance is dropped
    assert run_statement(stmt, one_draw, seed=1, database_dir=str(tmp_path)).statistics["replayed_from_database"] == 0


def test_an_unseeded_search_draws_and_records_its_seed(pair_system):
    res = run_statement(_stmt(pair_system, "a >= a - 1"), QUICK, seed=None, database_dir=None)
    assert isinstance(res.seed, int)
    assert run_statement(_stmt(pair_system, "a >= a - 1"), QUICK, seed=res.seed, database_dir=None).records == res.records


def test_profiles_are_hypothesis_settings_profiles():
    from hypothesis import settings

    assert profile("checker-quick") is QUICK
    assert settings.get_profile("checker-default").deadline is None


def test_statistics_carry_the_instance_mix_and_the_result_the_statement_warnings(pair_system):
    featured = dataclasses.replace(pair_system, features=lambda i: {"sign of a": "+" if rational(i["a"]) > 0 else "-/0"})
    res = run_statement(_stmt(featured, "a**2 >= 0"), QUICK, seed=1, database_dir=None)
    mix = res.statistics["mix"]["sign of a"]
    assert sum(mix.values()) == res.instances and set(mix) == {"+", "-/0"}
    assert res.records[0]["features"] and set(res.statistics["phases"]) >= {"generate", "twins"}
    assert res.warnings == list(getattr(_stmt(featured, "a**2 >= 0"), "warnings", ()))


def test_a_crashing_instance_generator_is_reported_with_its_file_and_line(tmp_path):
    from checker import registry
    from checker.search import run_statement

    path = tmp_path / "crashgen.py"
    path.write_text(
        "from hypothesis import strategies as st\n"
        "from checker import Enclosure, System, conjecture\n"
        "def draw(k):\n"
        "    return {'a': 1 / (k - k)}\n"
        "system = System('crashing', 'a generator that breaks', {'a': 'a number'}, st.integers(0, 3).map(draw),\n"
        "                lambda inst, prec, names: {'a': Enclosure.exact(inst['a'])})\n"
        "conjecture('gen-crash-test', system=system, conclusion='a >= 0')\n")
    stmt = next(s for s in registry.load_file(path) if s.id == "gen-crash-test")
    res = run_statement(stmt, profile("quick"), seed=0, database_dir=None)
    assert res.verdict is Verdict.ERROR
    assert "instance generator" in res.message and "crashgen.py:4" in res.message and "shard 0" in res.message


def test_instance_time_limit_also_fires_outside_the_main_thread():
    """Dask and thread-pool workers run units off the main thread, where SIGALRM cannot be used."""
    import threading
    import time as _time

    from checker.search import InstanceTimeout, time_limit

    seen = []

    def work():
        try:
            with time_limit(0.1):
                start = _time.perf_counter()
                while _time.perf_counter() - start < 5:
                    pass
            seen.append("ran to the end")
        except InstanceTimeout:
            seen.append("timeout")
        with time_limit(0.1):
            pass
        _time.sleep(0.2)  # a cancelled timer raises nothing later
        seen.append("clean")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == ["timeout", "clean"]


def test_the_targeting_score_ignores_round_off():
    from checker.search import _target_score
    assert _target_score(-0.1234567, 1e-17) == _target_score(-0.1234568, 1e-17) == 0.123  # rounding-level twins
    assert _target_score(2e-30, 1e-30) == 0.0 and _target_score(0.0, 0.0) == 0.0  # inside ten times its error
    assert _target_score(float("nan"), 0.0) == 0.0 and _target_score(-1e400, 0.0) == 1e300
