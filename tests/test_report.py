"""Reports that survive: the journal, ``--resume`` after an interruption (a real SIGTERM too), a kill
while writing leaves the previous report, and pages and index render the search's evidence."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import registry, report, runner
from checker.cli import main
from checker.profiles import profile
from checker.search import StatementResult
from checker.verdicts import Verdict

ROOT = Path(__file__).resolve().parents[1]
IDS = ["DHL-MF", "DHL-K", "DHL-I1"]


def rows(out: Path) -> list[dict]:
    """results.json without timings."""
    data = json.loads((out / "results.json").read_text())
    for row in data:
        row.pop("seconds", None)
        row.pop("statistics", None)
        if row.get("proof"):
            row["proof"].pop("seconds", None)
    return data


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "reports"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), *IDS]) == 0
    return out


def test_an_interrupted_report_keeps_its_journal_and_resumes_to_the_same_results(tmp_path, monkeypatch, uninterrupted):
    out = tmp_path / "reports"
    real = runner.execute

    def interrupted_at_second(job):
        if job.unit.statement == IDS[1]:
            raise KeyboardInterrupt  # what SIGINT does in the middle of the second statement
        return real(job)

    monkeypatch.setattr(runner, "execute", interrupted_at_second)
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), *IDS]) == 130
    journal = (out / report.JOURNAL).read_text().splitlines()
    assert [json.loads(line)["id"] for line in journal[1:]] == [IDS[0]] and not (out / "index.md").exists()
    monkeypatch.setattr(runner, "execute", real)
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), "--resume", *IDS]) == 0
    assert rows(out) == rows(uninterrupted) and not (out / report.JOURNAL).exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in uninterrupted.iterdir())


def test_resume_refuses_a_journal_of_another_run(tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), "--resume", "DHL-MF"]) == 2
    assert "no interrupted report to resume" in capsys.readouterr().err
    report.Journal(out, {"profile": "other"}).start()
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), "--resume", "DHL-MF"]) == 2
    assert "written by a run with other options" in capsys.readouterr().err


def test_a_kill_while_writing_leaves_the_previous_report(tmp_path, monkeypatch, uninterrupted):
    out = tmp_path / "reports"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), IDS[0]]) == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real, pages = report.statement_markdown, []

    def killed_at_second_page(*args):
        pages.append(args[1].id)
        if len(pages) == 2:
            raise KeyboardInterrupt  # the process dies while writing
        return real(*args)

    monkeypatch.setattr(report, "statement_markdown", killed_at_second_page)
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), *IDS]) == 130
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != report.JOURNAL}
    assert after == before  # the old report, whole: no new page beside old ones, old index
    monkeypatch.setattr(report, "statement_markdown", real)
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), "--resume", *IDS]) == 0
    assert rows(out) == rows(uninterrupted)


def test_sigterm_keeps_the_finished_statements(tmp_path):
    """The signal arrives after the first statement and during the second, whose network sleeps a second
    in every pass (tests/data/misbehaving_conjectures.py), so the report cannot finish first on any machine."""
    out = tmp_path / "reports"
    slow = str(ROOT / "tests" / "data" / "misbehaving_conjectures.py") + "::slow-*"
    proc = subprocess.Popen([sys.executable, "-m", "checker", "report", "--jobs", "1", "--profile", "quick", "--out", str(out),
                             "DHL-MF", slow, "DHL-K"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    journal = out / report.JOURNAL
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and len(journal.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and "report --resume" in err
    assert json.loads(journal.read_text().splitlines()[1])["id"] == "DHL-MF" and not (out / "index.md").exists()


def _rich_result() -> StatementResult:
    stmt = registry.statements()["DHL-MF"]
    res = runner.error_result(stmt, profile("quick"), 0, "")
    res.verdict = Verdict.PROVED
    extra = {
        "proof": {"holds": True, "method": "flint", "scope": "d1 = d2 = 3", "detail": "", "seconds": 0.1},
        "twins": [{"id": "DHL-MF~c", "relation": "Eq(d_imbalance, 2*drift_term*eta**2)", "latex": "x = 2 y",
                   "perturbation": "constant ×2", "verdict": "certified", "worst_margin": 0.5, "evidence": "exact"}],
        "discriminates": False,
        "statistics": {"mix": {"rank": {"1": 10, "2": 15}}, "phases": {"generate": 0.5, "shrink": 0.0},
                       "replayed_from_database": 2},
        "budget": {"kind": "statement_seconds", "drawn": 7, "planned": 25},
        "warnings": ["the conclusion holds symbolically"],
        "witness_family": "hand-built rank-one family",
        "limits": {"qmin/logt": {"method": "Aitken", "horizons": [10.0, 100.0], "values": [0.9, 0.99],
                                 "radii": [1e-9, 1e-9], "extrapolants": {"100.0": 0.999}, "errors": {"100.0": 0.01},
                                 "limit": 0.999, "error": 0.01, "converging": True}},
    }
    for k, v in extra.items():
        setattr(res, k, v)
    return res


def test_pages_and_index_render_the_search_evidence():
    res = _rich_result()
    page = report.statement_markdown(registry.statements()["DHL-MF"], res, [])
    for text in ("## Nearby false twins", "constant ×2", "**does not discriminate**", "## Instance mix", "1: 10, 2: 15",
                 "replayed_from_database 2", "7 of 25 instances", "⚠ **Warning:** the conclusion holds symbolically",
                 "Witness family", "## Limit of `qmin/logt`", "| 100 | 0.99 |", "0.999"):
        assert text in page, text
    label = report.verdict_label(res)
    assert "sizes d1 = d2 = 3" in label and "does not discriminate" in label and "witness family" in label
    index = report.index_markdown([res], profile("quick"), 0, 1.0)
    assert "**Does not discriminate**" in index and "sizes d1 = d2 = 3" in index


def test_rows_without_the_new_fields_still_render():
    stmt = registry.statements()["DHL-MF"]
    old = StatementResult(id="DHL-MF", title="t", source="s", system="x", statement="a", latex="a", expect="holds",
                          verdict=Verdict.REFUTED)
    assert "**refuted**" in report.statement_markdown(stmt, old, [])
    assert report.verdict_label(old).startswith("**refuted**")


def test_reuse_keeps_the_rows_whose_fingerprint_is_unchanged(tmp_path, capsys):
    conj = tmp_path / "reused.py"
    body = ("from checker import conjecture\nfrom theorems.balance import mlp\n"
            "conjecture('reuse-same', system=mlp(), conclusion='in_dot == out_dot')\n"
            "conjecture('reuse-changed', system=mlp(), conclusion='{}')\n")
    conj.write_text(body.format("in_dot >= out_dot - 1"))
    out = tmp_path / "reports"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), str(conj)]) == 0
    first = {r["id"]: r for r in json.loads((out / "results.json").read_text())}
    conj.write_text(body.format("in_dot <= out_dot + 1"))
    registry._FILES.pop(conj.resolve())  # a new process would read the changed file: so does this one
    capsys.readouterr()
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), "--reuse", str(conj)]) == 0
    assert "checking 1 statements (1 kept from the journal or reused)" in capsys.readouterr().err
    second = {r["id"]: r for r in json.loads((out / "results.json").read_text())}
    assert second["reuse-same"] == first["reuse-same"]  # the very row, timings included
    assert second["reuse-changed"]["statement"] != first["reuse-changed"]["statement"]
    assert second["reuse-changed"]["fingerprint"] != first["reuse-changed"]["fingerprint"]


def _math_statement() -> "Statement":
    """A statement over quantities with display names, an extra hypothesis and a limit."""
    from hypothesis import strategies as st

    from checker import System
    from checker.quantities import quantity
    from checker.statements import Statement

    system = System("math", "display names", {"gamma_tilde": quantity("gamma_tilde", "smoothed margin", r"\tilde\gamma", "ball"),
                                              "plain": "a quantity without a display name"},
                    st.just({}), lambda i, p, n: {}, trajectory=lambda i, p, n: None,
                    trajectory_quantities={"q_min": quantity("q_min", "least margin", r"q_{\min}", "estimate")})
    return Statement(id="math-1", title="t", source="s", system=system, conclusion="gamma_tilde >= limit(q_min) + plain",
                     hypotheses=("plain >= 0",), origin="x.py")


def test_pages_render_quantity_names_as_mathematics():
    stmt = _math_statement()
    res = runner.error_result(stmt, profile("quick"), 0, "")
    res.limits = {"q_min": {"method": "Aitken", "horizons": [1.0], "values": [0.5], "radii": [0.0], "limit": 0.5,
                            "error": 0.0, "converging": True}}
    page = report.statement_markdown(stmt, res, [])
    assert r"- $\tilde\gamma$ (`gamma_tilde`): smoothed margin" in page
    assert "- `plain`: a quantity without a display name" in page
    assert r"- $q_{\min}$ (`q_min`) (along the trajectory, inside the limit): least margin" in page
    assert r"\tilde\gamma" in res.latex and "gamma_tilde" not in res.latex  # the row's LaTeX (results.json)
    assert f"$$ {res.latex} $$" in page
    assert r"- $plain \geq 0$" in page  # extra hypotheses in LaTeX (as the statement), not SymPy's str
    assert r"## Limit of $q_{\min}$ (`q_min`)" in page


def test_results_json_rows_carry_the_statements_latex_with_display_names(tmp_path):
    out = tmp_path / "reports"
    example = str(ROOT / "examples" / "residual.py")
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), f"{example}::residual-m-balance"]) == 0
    row = json.loads((out / "results.json").read_text())[0]
    assert row["latex"] == r"\tfrac{d}{dt}\left(\lVert I + N_{1}\rVert_F^2 - \lVert I + N_{2}\rVert_F^2\right) = 0"
    page = (out / "residual-m-balance.md").read_text()
    assert r"- $\tfrac{d}{dt}\left(\lVert I + N_{1}\rVert_F^2 - \lVert I + N_{2}\rVert_F^2\right)$ (`d_m_balance`)" in page


def test_figure_labels_use_display_names_matplotlib_can_draw():
    from checker.api import mathtext_label

    assert mathtext_label("g", r"\tilde\gamma") == r"$\tilde\gamma$"
    assert mathtext_label("b", r"\lVert W_{1}\rVert_F^2") == r"$\Vert  W_{1}\Vert _F^2$"
    assert mathtext_label("x", r"\notacommand{x}") == "x" and mathtext_label("y") == "y"


FIGURE_FILE = '''from pathlib import Path
from checker import conjecture
from theorems.balance import mlp

LOG = Path(__file__).with_suffix(".log")


def draw(path):
    path.write_bytes(b"{version}")
    with LOG.open("a") as f:
        f.write("drawn\\n")
    return "caption {version}"


conjecture("fig-own", system=mlp(), conclusion="in_dot == out_dot", figures=(draw,))
conjecture("fig-default", system=mlp(), conclusion="in_dot >= out_dot - 1")
'''


def test_reuse_keeps_unchanged_figures_and_redraws_changed_ones(tmp_path):
    conj, out = tmp_path / "figs.py", tmp_path / "reports"
    conj.write_text(FIGURE_FILE.format(version="v1"))
    log = conj.with_suffix(".log")
    args = ["report", "--jobs", "1", "--profile", "quick", "--out", str(out), str(conj)]
    assert main(args) == 0 and log.read_text().count("drawn") == 1
    before = {p.relative_to(out): (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert Path("figures/fig-default-1.png") in before and "caption v1" in (out / "fig-own.md").read_text()
    assert main(args + ["--reuse"]) == 0
    after = {p.relative_to(out): (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert log.read_text().count("drawn") == 1  # not drawn again
    assert {k: v for k, v in after.items() if k.suffix == ".png"} == {k: v for k, v in before.items() if k.suffix == ".png"}
    assert all(after[k][0] == before[k][0] for k in before if k.name != "index.md")  # pages byte-identical
    conj.write_text(FIGURE_FILE.format(version="v2"))  # the figure's code changes, the claims do not
    registry._FILES.pop(conj.resolve())
    assert main(args + ["--reuse"]) == 0
    assert log.read_text().count("drawn") == 2 and (out / "figures" / "fig-own-1.png").read_bytes() == b"v2"
    assert "caption v2" in (out / "fig-own.md").read_text()
    assert json.loads((out / report.FIGURES).read_text())["figures/fig-own-1.png"]["caption"] == "caption v2"


def test_figures_drawn_on_two_workers_are_those_drawn_here(tmp_path):
    ids = ["LL-T4.1", "MC-T1", "DHL-MF"]
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(serial), *ids]) == 0
    assert main(["report", "--jobs", "2", "--profile", "quick", "--out", str(pooled), *ids]) == 0
    manifest = json.loads((serial / report.FIGURES).read_text())
    assert manifest == json.loads((pooled / report.FIGURES).read_text()) and len(manifest) >= 2
    assert rows(serial) == rows(pooled)


def test_the_engine_that_shapes_rows_is_part_of_every_fingerprint():
    from checker.fingerprint import PRESENTATION, engine_digest
    assert engine_digest(PRESENTATION | {"evaluation"}) != engine_digest()  # the judge is hashed
    assert engine_digest(PRESENTATION - {"report"}) != engine_digest()  # the page renderer is not
