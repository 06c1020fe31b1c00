"""Markdown reports: ``reports/index.md``, one page per statement, figures, and ``results.json``.

``results.json`` holds every :class:`~checker.search.StatementResult` as JSON (the same objects
``check --json`` prints), so a report can be rebuilt or compared without re-running anything.
"""
from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from pathlib import Path

from . import registry
from .search import StatementResult, versions
from .statements import Statement
from .profiles import Profile
from .verdicts import Verdict

ORDER = [v.value for v in Verdict]


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _row(r: StatementResult) -> str:
    expected = "" if r.as_expected else " ⚠"
    return (f"| [{r.id}]({r.id}.md) | {_cell(r.title)} | {_cell(r.source)} | **{r.verdict.value}**{expected} | "
            f"{r.in_scope}/{r.instances} | {_fmt(r.worst_margin)} | {_fmt(r.error_bound, 2)} | "
            f"{r.precision_bits} | {r.seconds:.1f} s |")


def _table(results: list[StatementResult]) -> list[str]:
    head = ["| id | title | source | verdict | in scope / drawn | worst margin | error bound | bits | time |",
            "|---|---|---|---|---|---|---|---|---|"]
    return head + [_row(r) for r in results]


def _summary(results: list[StatementResult]) -> str:
    counts = {v: sum(r.verdict.value == v for r in results) for v in ORDER}
    return " · ".join(f"{n} {v}" for v, n in counts.items() if n)


def index_markdown(results: list[StatementResult], profile: Profile, seed: int, seconds: float) -> str:
    """The index page: verdict counts, then one row per theorem and per mutated claim."""
    theorems = [r for r in results if r.expect == "holds"]
    mutations = [r for r in results if r.expect == "fails"]
    vers = ", ".join(f"{k} {v}" for k, v in versions().items())
    lines = [
        "# Theorem checker report", "",
        f"Profile `{profile.name}` ({profile.max_examples} instances per statement, {profile.precision.bits}-bit balls "
        f"escalated ×4 up to {profile.escalations} times), seed {seed}, {len(results)} statements in {seconds:.0f} s, "
        f"generated {_dt.date.today().isoformat()}.", "",
        f"Versions: {vers}.", "",
        f"**Theorems:** {_summary(theorems)}.  ",
        f"**Mutated claims** (each must be refuted): {_summary(mutations) or 'none'}.", "",
        "Verdicts: *proved* = exact symbolic identity for the stated sizes and no counterexample; *certified* = "
        "every in-scope instance held with exact rationals or rigorous balls; *passed* = held beyond an estimated "
        "error bound; *inconclusive* = a margin stayed inside its budget after escalation; *refuted* = a shrunk, "
        "replayable counterexample; *vacuous* = no instance met the hypotheses; *error* = a measurement broke. "
        "⚠ marks a verdict other than the one expected.", "",
        "## Theorems", "", *_table(theorems), "",
    ]
    if mutations:
        lines += ["## Mutated claims (expected to be refuted)", "", *_table(mutations), ""]
    return "\n".join(lines)


def statement_markdown(stmt: Statement, r: StatementResult, figures: list[tuple[str, str]]) -> str:
    """One statement's page: its mathematics, its evidence, its counterexample and figures."""
    sys_ = stmt.system
    lines = [f"# {r.id}: {r.title}", "", f"*Source:* {r.source}  ", f"*Expected:* the claim {'holds' if r.expect == 'holds' else 'fails (a mutated claim)'}  ",
             f"*Verdict:* **{r.verdict.value}**" + ("" if r.as_expected else " (⚠ not the expected verdict)"), "",
             "## Statement", "", f"$$ {r.latex} $$", ""]
    if stmt.hypothesis_relations:
        lines += ["Extra hypotheses:", ""] + [f"- $ {h} $" for h in (h.__str__() for h in stmt.hypothesis_relations)] + [""]
    lines += [f"**System:** `{sys_.name}` — {sys_.description}.", ""]
    if sys_.hypotheses:
        lines += ["System hypotheses (instances violating them are *hypotheses-unsatisfied*, never pass or fail):", ""]
        lines += [f"- {h}" for h in sys_.hypotheses] + [""]
    used = sorted(stmt.symbols)
    lines += ["Quantities:", ""] + [f"- `{q}`: {sys_.quantities[q]}" for q in used] + [""]
    if stmt.notes:
        lines += [stmt.notes, ""]
    lines += ["## Evidence", "", "| | |", "|---|---|",
              f"| instances drawn | {r.instances} |", f"| in scope | {r.in_scope} |",
              f"| hypotheses-unsatisfied | {r.out_of_scope} |",
              f"| evidence kinds | {', '.join(f'{k}: {v}' for k, v in r.evidence.items()) or '—'} |",
              f"| worst margin | {_fmt(r.worst_margin, 6)} |", f"| its error bound | {_fmt(r.error_bound, 3)} |",
              f"| precision (bits) | {r.precision_bits} |", f"| shrinks | {r.shrinks} |",
              f"| best violation reached | {_fmt(r.best_violation, 6)} |", f"| seconds | {r.seconds:.2f} |",
              f"| profile, seed | {r.profile}, {r.seed} |", ""]
    if r.scope_reasons:
        lines += ["Out-of-scope reasons: " + "; ".join(f"{k} ({v}×)" for k, v in r.scope_reasons.items()), ""]
    if r.proof:
        p = r.proof
        lines += ["## Symbolic proof", "", f"- method: {p['method']}", f"- scope: {p['scope']}",
                  f"- holds: {p['holds']}", f"- detail: {p['detail']}", f"- seconds: {p['seconds']:.2f}", ""]
    if r.message:
        lines += ["## Message", "", r.message, ""]
    if r.counterexample is not None:
        lines += ["## Counterexample" if r.verdict is Verdict.REFUTED else "## Undecided instance", "",
                  "```json", json.dumps(r.counterexample), "```", "", "Replay:", "", "```", r.reproduce or "", "```", ""]
    if r.errors:
        lines += ["## Errors", ""] + [f"- {e['reason']} — replay: `{e['reproduce']}`" for e in r.errors] + [""]
    for rel, caption in figures:
        lines += ([f"![{caption}]({rel})", ""] if rel else []) + [f"*{caption}*", ""]
    return "\n".join(lines)


def _figures(stmt: Statement, out: Path) -> list[tuple[str, str]]:
    made = []
    for k, fig in enumerate(stmt.figures):
        rel = f"figures/{stmt.id}-{k + 1}.png"
        (out / "figures").mkdir(parents=True, exist_ok=True)
        try:
            made.append((rel, fig(out / rel)))
        except Exception as exc:  # noqa: BLE001 - a broken figure is reported, not fatal
            made.append(("", f"figure {k + 1} failed: {type(exc).__name__}: {exc}"))
    return made


def write_reports(targets: list[str], profile: Profile, seed: int, out: str, jobs: int) -> int:
    """Run the statements, write the reports; exit status 1 if any verdict is not the expected one
    (a theorem refuted or in error, or a mutation not refuted), else 0."""
    from .cli import run_many

    stmts, errors = registry.select(targets)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    print(f"checking {len(stmts)} statements", file=sys.stderr)
    start = time.perf_counter()
    results = run_many(stmts, [], profile.name, seed, jobs, progress=True)
    seconds = time.perf_counter() - start
    by_id = {s.id: s for s in stmts}
    for r in results:
        figures = _figures(by_id[r.id], outdir)
        (outdir / f"{r.id}.md").write_text(statement_markdown(by_id[r.id], r, figures))
    index = index_markdown(results, profile, seed, seconds)
    if errors:
        index += "\n## Load errors\n\n" + "\n".join(f"- {e}" for e in errors) + "\n"
    (outdir / "index.md").write_text(index)
    (outdir / "results.json").write_text(json.dumps([r.to_json() for r in results], indent=1, default=str))
    print(f"{outdir / 'index.md'}: {_summary(results)}", file=sys.stderr)
    unexpected = [r.id for r in results if not r.as_expected and r.verdict in (Verdict.REFUTED, Verdict.ERROR)
                  or (r.expect == "fails" and r.verdict is not Verdict.REFUTED)]
    if unexpected:
        print(f"unexpected verdicts: {', '.join(unexpected)}", file=sys.stderr)
    return 2 if errors else 1 if unexpected else 0
