"""Markdown reports: ``reports/index.md``, one page per statement, figures, and ``results.json``.

``results.json`` holds every :class:`~checker.search.StatementResult` as JSON (the same objects
``check --json`` prints), so a report can be rebuilt or compared without re-running anything.

A report survives interruption and is never seen half-written:

* **journal** — each statement's result is appended to ``OUT/.journal.jsonl`` as it finishes
  (after a header naming the run: profile, seed, statement ids).  SIGINT or SIGTERM stops the run
  and keeps the journal; ``report --resume`` runs only the statements the journal lacks.
* **atomic publication** — pages, index, figures and ``results.json`` are written to a staging
  directory beside ``OUT`` (a copy of the old report plus the new files), which is then exchanged
  with ``OUT`` in one ``renameat2(RENAME_EXCHANGE)`` where the system has it: a reader sees the old
  report or the new one, never a mix, and a kill while writing leaves the old report (and the
  journal) intact.
* **reuse** — with ``--reuse`` a row of the previous ``results.json`` whose ``fingerprint``
  (statement, system and its module's source, profile tolerances) and seed are unchanged is kept
  instead of re-run, and a figure whose fingerprint (its statement, the source of the modules that
  draw it, and for a conjecture's default figures the result drawn) is unchanged is kept instead of
  redrawn, with its caption, from the manifest ``figures/figures.json``.
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as _dt
import hashlib
import inspect
import json
import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

from . import registry, runner
from .api import default_figures
from .fingerprint import engine_digest, fingerprint
from .profiles import Profile
from .search import StatementResult, versions
from .quantities import Quantity
from .statements import Statement, render_latex
from .verdicts import Verdict

ORDER = [v.value for v in Verdict]
JOURNAL = ".journal.jsonl"
FIGURES = "figures/figures.json"  # figure manifest: path -> fingerprint and caption


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _cell(text: Any) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _math_cell(latex: str) -> str:
    """Inline LaTeX safe inside a markdown table cell: norms and absolute values without ``|``."""
    return "$" + latex.replace("\\|", "\\Vert ").replace("|", "\\vert ").strip() + "$"


def _get(r: StatementResult, name: str, default: Any = None) -> Any:
    """A result field that older rows (or an older search) may lack."""
    value = getattr(r, name, default)
    return default if value is None else value


def verdict_label(r: StatementResult) -> str:
    """The verdict with what qualifies it: the proof's sizes, the refutation's evidence, a witness
    family, a budget cut, twins that also pass, warnings, and ⚠ when it is not the expected one."""
    tags = []
    proof = _get(r, "proof", {})
    if r.verdict is Verdict.PROVED and proof.get("scope", "all sizes") != "all sizes":
        tags.append(f"sizes {proof['scope']}")
    if r.verdict is Verdict.REFUTED and _get(r, "refutation_evidence"):
        tags.append(_get(r, "refutation_evidence"))
    if _get(r, "witness_family"):
        tags.append("witness family")
    budget = _get(r, "budget")
    if budget:
        tags.append(f"budget: {budget.get('drawn', '?')} of {budget.get('planned', '?')} instances")
    if _get(r, "warnings", []):
        tags.append("⚠ " + "; ".join(_get(r, "warnings")))
    blind = _undiscriminating(r)
    if _get(r, "discriminates") is False and not blind:
        tags.append("does not discriminate")
    label = (f"{r.verdict.value}, but does not discriminate ⚠" if blind else f"**{r.verdict.value}**") \
        + (f" ({', '.join(tags)})" if tags else "")
    return label + ("" if r.as_expected else " ⚠ not as expected")


def _undiscriminating(r: StatementResult) -> bool:
    """A claim that held (certified or passed) while a nearby false twin held too: never shown green."""
    return _get(r, "discriminates") is False and r.verdict in (Verdict.CERTIFIED, Verdict.PASSED)


def _row(r: StatementResult) -> str:
    return (f"| [{r.id}]({r.id}.md) | {_cell(r.title)} | {_cell(r.source)} | {_cell(verdict_label(r))} | "
            f"{r.in_scope}/{r.instances} | {_fmt(r.worst_margin)} | {_fmt(r.error_bound, 2)} | "
            f"{r.precision_bits} | {r.seconds:.1f} s |")


def _table(results: list[StatementResult]) -> list[str]:
    head = ["| id | title | source | verdict | in scope / drawn | worst margin | error bound | bits | time |",
            "|---|---|---|---|---|---|---|---|---|"]
    return head + [_row(r) for r in results]


def _summary(results: list[StatementResult]) -> str:
    """Counts of each verdict; a claim that held without discriminating is counted apart."""
    counts = {v: sum(r.verdict.value == v and not _undiscriminating(r) for r in results) for v in ORDER}
    blind = sum(map(_undiscriminating, results))
    parts = [f"{n} {v}" for v, n in counts.items() if n and v in ORDER[:3]]
    parts += [f"{blind} held but did not discriminate"] if blind else []
    return " · ".join(parts + [f"{n} {v}" for v, n in counts.items() if n and v not in ORDER[:3]])


def index_markdown(results: list[StatementResult], profile: Profile, seed: int, seconds: float,
                   origins: dict[str, str] | None = None) -> str:
    """The index page: verdict counts, then one row per theorem and per mutated claim, then the
    reviewers' questions (ids ``…-REV-…``) grouped by the module family that states them
    (``origins``: id -> defining module), each group with the command that re-checks it."""
    theorems = [r for r in results if r.expect == "holds"]
    mutations = [r for r in results if r.expect == "fails"]
    blind = [r.id for r in results if _get(r, "discriminates") is False]
    vers = ", ".join(f"{k} {v}" for k, v in versions().items())
    lines = [
        "# Theorem checker report", "",
        f"Profile `{profile.name}` ({profile.max_examples} instances per statement, {profile.precision.bits}-bit balls "
        f"escalated ×4 up to {profile.escalations} times), seed {seed}, {len(results)} statements, "
        f"{seconds:.0f} s of checking, generated {_dt.date.today().isoformat()}.", "",
        f"Versions: {vers}.", "",
        f"**Theorems:** {_summary(theorems)}.  ",
        f"**Mutated claims** (each must be refuted): {_summary(mutations) or 'none'}.", "",
    ]
    if blind:
        lines += [f"**Does not discriminate** (some nearby false twin is not refuted either): {', '.join(blind)}.", ""]
    lines += [
        "Verdicts: *proved* = exact symbolic identity for all sizes (\"proved (sizes …)\" when only for some) and no counterexample; *certified* = "
        "every in-scope instance held with exact rationals or rigorous balls; *passed* = held beyond an estimated "
        "error bound; *inconclusive* = a margin stayed inside its budget after escalation (or a budget cut the "
        "search); *refuted* = a shrunk, replayable counterexample, with its evidence (exact, ball or estimate); "
        "*vacuous* = no instance met the hypotheses; *error* = a measurement broke. *witness family* = refuted on "
        "a hand-built family of instances rather than by the open search; *does not discriminate* = a nearby "
        "false twin of the claim held too, so a claim that held is not shown as a pass (not bold, ⚠) and is "
        "counted apart. ⚠ marks warnings and verdicts other than the one expected.", "",
        "## Theorems", "", *_table(theorems), "",
    ]
    if mutations:
        lines += ["## Mutated claims (expected to be refuted)", "", *_table(mutations), ""]
    reviewers = [r for r in results if "-REV-" in r.id]
    if reviewers:
        lines += ["## Reviewers' questions", "", "The papers' reviewers' open questions, answered as statements "
                  "(ids `…-REV-…`; the rows above, listed here together by the family that states them):", ""]
        groups: dict[str, list[StatementResult]] = {}
        for r in reviewers:
            groups.setdefault(runner.family((origins or {}).get(r.id, "")), []).append(r)
        for family, rows in groups.items():
            patterns = " ".join(dict.fromkeys(f"'{r.id.split('-REV-')[0]}-REV-*'" for r in rows))
            lines += [*([f"### {family}", ""] if family else []),
                      *(f"- [{r.id}]({r.id}.md) — {_cell(r.title)}: {verdict_label(r)}" for r in rows), "",
                      f"Re-check: `python -m checker check {patterns} --profile {profile.name}`", ""]
    return "\n".join(lines)


def _twins_verdict(r: StatementResult, twins: list[dict]) -> str:
    """What the twins show (:mod:`checker.twins`): a twin fails where it is violated, or undecided
    where the claim held (a twin of a limit on float evidence is never refuted: it fails by staying
    undecided outside the limit's error); the instances the claim left undecided show nothing."""
    discriminates = _get(r, "discriminates")
    if discriminates is None:
        return "the claim held on no instance, so its twins show nothing about its power to fail"
    where = ("" if r.verdict.value not in ("inconclusive", "error", "vacuous")
             else f"the claim itself is {r.verdict.value}; on the instances where it held, ")
    if discriminates is False:
        return where + "**does not discriminate**: some twin is not told from the claim"
    if any(t.get("verdict") == "inconclusive" for t in twins if t.get("site") != "strict"):
        return where + ("at every perturbed site some twin fails: refuted, or undecided where the claim held (a "
                        "limit on float evidence, which cannot be refuted, stays undecided outside the error of "
                        "the extrapolated limit): the check can fail")
    return where + "at every perturbed site some twin is refuted: the check can fail"


def _twins_section(r: StatementResult) -> list[str]:
    twins = _get(r, "twins", [])
    if not twins:
        return []
    verdict = _twins_verdict(r, twins)
    lines = ["## Nearby false twins", "", f"Twins are the claim perturbed (constants, exponents, tightened bounds) "
             f"and evaluated on the same measured values; {verdict}.", "",
             "| twin | relation | perturbation | verdict | worst margin | evidence |", "|---|---|---|---|---|---|"]
    for t in twins:
        rel = _math_cell(t["latex"]) if t.get("latex") else _cell(f"`{t.get('relation', '')}`")
        lines.append(f"| {_cell(t.get('id', ''))} | {rel} | {_cell(t.get('perturbation', ''))} | "
                     f"{_cell(t.get('verdict', ''))} | {_fmt(t.get('worst_margin'))} | {_cell(t.get('evidence', '') or '—')} |")
    return lines + [""]


def _statistics_section(r: StatementResult) -> list[str]:
    stats = _get(r, "statistics", {})
    lines = []
    mix = stats.get("mix") or {}
    if mix:
        lines += ["## Instance mix", "", "| feature | value: count |", "|---|---|"]
        lines += [f"| {_cell(f)} | {_cell(', '.join(f'{v}: {n}' for v, n in counts.items()))} |" for f, counts in mix.items()]
        lines.append("")
    rest = {k: v for k, v in stats.items() if k not in ("mix", "scope_reasons")}
    if rest:
        lines += ["Search statistics: " + "; ".join(
            f"{k} " + (", ".join(f"{p} {_fmt(s, 2)} s" for p, s in v.items()) if isinstance(v, dict) else str(v))
            for k, v in rest.items()), ""]
    return lines


def quantity_item(name: str, q: Quantity | None, where: str = "") -> str:
    """A quantity as a list item: its display name as mathematics, then its identifier and
    description (``- $\\tilde\\gamma$ (`gamma_tilde`): …``; inline math without inner spaces, as
    GitHub and pandoc want it); the identifier alone when it has no LaTeX."""
    description = q.description if q is not None else ""
    if q is not None and q.latex:
        return f"- ${q.latex}$ (`{name}`){where}: {description}"
    return f"- `{name}`{where}: {description}"


def _limits_section(stmt: Statement, r: StatementResult) -> list[str]:
    limits = _get(r, "limits", {})
    nodes = {str(n.expr): n.expr for n in stmt.limits}
    names = stmt.system.latex_names()
    lines = []
    for expr, d in limits.items():
        title = f"${render_latex(nodes[expr], names)}$ (`{expr}`)" if expr in nodes else f"`{expr}`"
        lines += [f"## Limit of {title}", "", f"{d.get('method', '')}: limit {_fmt(d.get('limit'), 8)} ± "
                  f"{_fmt(d.get('error'), 2)}, {'converging' if d.get('converging') else '**not converging**'}.", "",
                  "| horizon | value | radius | extrapolant | error estimate |", "|---|---|---|---|---|"]
        ext, err = d.get("extrapolants", {}), d.get("errors", {})
        for k, h in enumerate(d.get("horizons", [])):
            key = str(float(h))
            vals, rads = d.get("values", []), d.get("radii", [])
            lines.append(f"| {_fmt(h)} | {_fmt(vals[k] if k < len(vals) else None, 10)} | "
                         f"{_fmt(rads[k] if k < len(rads) else None, 2)} | {_fmt(ext.get(key), 10)} | {_fmt(err.get(key), 2)} |")
        lines.append("")
    return lines


def statement_markdown(stmt: Statement, r: StatementResult, figures: list[tuple[str, str]]) -> str:
    """One statement's page: its mathematics, its evidence, its twins, its counterexample and figures."""
    sys_ = stmt.system
    lines = [f"# {r.id}: {r.title}", "", f"*Source:* {r.source}  ", f"*Expected:* the claim {'holds' if r.expect == 'holds' else 'fails (a mutated claim)'}  ",
             f"*Verdict:* {verdict_label(r)}", ""]
    for w in _get(r, "warnings", []):
        lines += [f"> ⚠ **Warning:** {w}", ""]
    if _get(r, "witness_family"):
        lines += [f"*Witness family:* refuted on a hand-built family of instances, not by the open search: "
                  f"{_get(r, 'witness_family')}", ""]
    names = sys_.latex_names()
    lines += ["## Statement", "", f"$$ {r.latex} $$", ""]
    if stmt.hypothesis_relations:
        lines += ["Extra hypotheses:", ""] + [f"- ${render_latex(h, names)}$" for h in stmt.hypothesis_relations] + [""]
    lines += [f"**System:** `{sys_.name}` — {sys_.description}.", ""]
    if sys_.hypotheses:
        lines += ["System hypotheses (instances violating them are *hypotheses-unsatisfied*, never pass or fail):", ""]
        lines += [f"- {h}" for h in sys_.hypotheses] + [""]
    lines += ["Quantities:", ""] + [quantity_item(name, sys_.quantities.get(name)) for name in sorted(stmt.symbols)]
    lines += [quantity_item(name, sys_.trajectory_quantities.get(name), " (along the trajectory, inside the limit)")
              for name in sorted(stmt.trajectory_symbols)] + [""]
    if stmt.notes:
        lines += [stmt.notes, ""]
    budget = _get(r, "budget")
    lines += ["## Evidence", "", "| | |", "|---|---|",
              f"| instances drawn | {r.instances} |", f"| in scope | {r.in_scope} |",
              f"| hypotheses-unsatisfied | {r.out_of_scope} |",
              f"| evidence kinds | {', '.join(f'{k}: {v}' for k, v in r.evidence.items()) or '—'} |",
              f"| worst margin | {_fmt(r.worst_margin, 6)} |", f"| its error bound | {_fmt(r.error_bound, 3)} |",
              f"| precision (bits) | {r.precision_bits} |", f"| shrinks | {r.shrinks} |",
              f"| best violation reached | {_fmt(r.best_violation, 6)} |",
              *([f"| refutation evidence | {_get(r, 'refutation_evidence')} |"] if _get(r, "refutation_evidence") else []),
              *([f"| budget | {_cell(', '.join(f'{k}: {v}' for k, v in budget.items()))} |"] if budget else []),
              f"| seconds | {r.seconds:.2f} |", f"| profile, seed | {r.profile}, {r.seed} |", ""]
    if r.scope_reasons:
        lines += ["Out-of-scope reasons: " + "; ".join(f"{k} ({v}×)" for k, v in r.scope_reasons.items()), ""]
    lines += _statistics_section(r)
    if r.proof:
        p = r.proof
        lines += ["## Symbolic proof", "", f"- method: {p['method']}", f"- scope: {p['scope']}",
                  f"- holds: {p['holds']}", f"- detail: {p['detail']}", f"- seconds: {p['seconds']:.2f}", ""]
    lines += _twins_section(r) + _limits_section(stmt, r)
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


def _family_sources(fn: Any) -> str:
    """The source of every loaded module of the package that defines ``fn`` (``theorems.sharpness``
    and all its submodules; a single module by itself): what a figure's drawing code may use."""
    module = getattr(inspect.getmodule(fn), "__name__", "")
    family = runner.family(module)
    out = []
    for name in sorted(n for n in list(sys.modules) if n == family or n.startswith(family + ".")):
        try:
            out.append(name + "\n" + inspect.getsource(sys.modules[name]))
        except (OSError, TypeError):  # a module without a source file
            out.append(name)
    return "\0".join(out)


def figure_fingerprint(stmt: Statement, k: int, maker: Any, inputs: Any = None) -> str:
    """What figure ``k`` of ``stmt`` is a function of: the statement id, the maker's name, the source
    of its family's modules, the engine's (:func:`checker.fingerprint.engine_digest`) and, for the
    default figures of a conjecture, the result they draw (``inputs``); a report without
    ``--reuse`` redraws every figure."""
    h = hashlib.sha256(json.dumps([stmt.id, k, getattr(maker, "__qualname__", repr(type(maker)))]).encode())
    h.update(b"\0" + _family_sources(maker).encode() + b"\0" + engine_digest().encode())
    if inputs is not None:
        h.update(b"\0" + json.dumps(inputs, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _figures(pages: dict[str, tuple[Statement, StatementResult]], out: Path, drawn: dict[str, dict], reuse: bool,
             jobs: int, executor: Any) -> dict[str, list[tuple[str, str]]]:
    """Each statement's figures ``(path, caption)``, or for a user's conjecture without any the default
    ones (margin distribution, worst instance), drawn into ``out/figures``; a broken figure is reported
    on its page, not fatal.  A statement's own figures are drawn on ``jobs`` workers (or
    ``executor``), the default ones (functions of the result) here.

    ``drawn`` is the report's figure manifest (``figures/figures.json``: path -> fingerprint and
    caption), updated here; with ``reuse`` a figure whose fingerprint is unchanged and whose file
    is present is kept as it is, with its caption, instead of being drawn again."""
    made: dict[str, list] = {}
    todo: list[tuple[str, int, str, str, Any]] = []  # (statement, slot, path, fingerprint, default maker)
    for sid, (stmt, r) in pages.items():
        defaults = not stmt.figures and stmt.origin.endswith(".py")
        makers = list(stmt.figures) or (default_figures(r, stmt.system.latex_names()) if defaults else [])
        made[sid] = [None] * len(makers)
        for k, fig in enumerate(makers):
            rel = f"figures/{stmt.id}-{k + 1}.png"
            fp = figure_fingerprint(stmt, k, fig, r.to_json() if defaults else None)
            old = drawn.get(rel)
            if reuse and old and old.get("fingerprint") == fp and (out / rel).is_file():
                made[sid][k] = (rel, old["caption"])
            else:
                todo.append((sid, k, rel, fp, fig if defaults else None))
    if todo:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    own = [t for t in todo if t[4] is None]
    jobs_ = [runner.FigureJob(runner.origin(pages[sid][0]), sid, k, str(out / rel)) for sid, k, rel, _, _ in own]
    captions = dict(zip(((t[0], t[1]) for t in own), runner.draw_figures(jobs_, jobs=jobs, executor=executor)))
    for sid, k, rel, fp, maker in todo:
        caption = captions[sid, k] if maker is None else _drawn_here(maker, out / rel)
        if isinstance(caption, Exception):
            drawn.pop(rel, None)
            made[sid][k] = ("", f"figure {k + 1} failed: {type(caption).__name__}: {caption}")
        else:
            drawn[rel] = {"fingerprint": fp, "caption": caption}
            made[sid][k] = (rel, caption)
    return made


def _drawn_here(maker: Any, path: Path) -> str | Exception:
    try:
        return maker(path)
    except Exception as exc:  # noqa: BLE001 - reported on the statement's page
        return exc


class Journal:
    """``OUT/.journal.jsonl``: a header line naming the run, then one result per finished statement."""

    def __init__(self, outdir: Path, header: dict):
        self.path = outdir / JOURNAL
        self.header = header

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.header) + "\n")

    def read(self) -> dict[str, StatementResult]:
        """The results a previous run of the same header journaled (a ``ValueError`` otherwise)."""
        if not self.path.is_file():
            raise ValueError(f"{self.path} does not exist: there is no interrupted report to resume "
                             f"(run without --resume)")
        lines = self.path.read_text().splitlines()
        if not lines or json.loads(lines[0]) != self.header:
            raise ValueError(f"{self.path} was written by a run with other options "
                             f"({lines[0][:200] if lines else 'empty'}); resume with the same profile, seed, "
                             f"limits and targets, or run without --resume")
        kept = {}
        for line in lines[1:]:
            try:
                res = StatementResult.from_json(json.loads(line))
            except (ValueError, TypeError):  # a line cut by the kill: that statement runs again
                continue
            kept[res.id] = res
        return kept

    def append(self, res: StatementResult) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(res.to_json(), default=str) + "\n")
            f.flush()
            os.fsync(f.fileno())


def _reusable(stmts: list[Statement], previous: Path, profile: Profile, seed: int) -> dict[str, StatementResult]:
    """Rows of a previous ``results.json`` whose fingerprint and seed match the statements now."""
    if not previous.is_file():
        return {}
    rows = {row.get("id"): row for row in json.loads(previous.read_text())}
    kept = {}
    for s in stmts:
        row = rows.get(s.id)
        if row and row.get("seed") == seed and row.get("fingerprint") == fingerprint(s, profile):
            kept[s.id] = StatementResult.from_json(row)
    return kept


def _timings(previous: Path, profile: Profile) -> dict[str, float]:
    """Each statement's seconds in a previous ``results.json`` of the same profile (a scheduling hint)."""
    try:
        rows = json.loads(previous.read_text())
    except (OSError, ValueError):
        return {}
    return {row["id"]: float(row.get("seconds") or 0.0) for row in rows
            if isinstance(row, dict) and "id" in row and row.get("profile") == profile.name}


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` in the block (as SIGINT does), so finished work is kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories in one step (Linux ``renameat2``); elsewhere two renames, so that ``b``
    is briefly missing but never mixed."""
    if not b.exists():
        os.rename(a, b)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    at_fdcwd, rename_exchange = -100, 2
    if renameat2 is not None and renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return
    old = a.with_name(a.name + ".old")
    os.rename(b, old)
    os.rename(a, b)
    os.rename(old, a)


def publish(outdir: Path, pages: dict[str, tuple[Statement, StatementResult]], index: str,
            results: list[StatementResult], reuse: bool = False, jobs: int = 1, executor: Any = None) -> None:
    """Write the report beside ``outdir`` and swap it in (see the module docstring); with ``reuse``,
    figures whose fingerprint is unchanged are kept rather than redrawn (:func:`_figures`); figures
    are drawn on ``jobs`` workers (or ``executor``)."""
    staging = outdir.with_name(f".{outdir.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    if outdir.is_dir():
        shutil.copytree(outdir, staging, ignore=shutil.ignore_patterns(JOURNAL))
    staging.mkdir(parents=True, exist_ok=True)
    manifest = staging / FIGURES
    drawn = json.loads(manifest.read_text()) if manifest.is_file() else {}
    figures = _figures(pages, staging, drawn, reuse, jobs, executor)
    for sid, (stmt, r) in pages.items():
        (staging / f"{sid}.md").write_text(statement_markdown(stmt, r, figures[sid]))
    if drawn:
        manifest.write_text(json.dumps(drawn, indent=1, sort_keys=True) + "\n")
    (staging / "index.md").write_text(index)
    (staging / "results.json").write_text(json.dumps([r.to_json() for r in results], indent=1, default=str))
    _exchange(staging, outdir)
    shutil.rmtree(staging, ignore_errors=True)


def write_reports(targets: list[str], profile: Profile, seed: int, out: str, *, jobs: int = 1,
                  executor: Any = None, resume: bool = False, reuse: bool = False) -> int:
    """Run the statements (journaled), publish the report; the exit status of :mod:`checker.cli`
    (2 when a target could not be loaded, else 1 when a verdict is not the expected one, else 0).
    An interruption propagates as ``KeyboardInterrupt`` after the journal has every finished result."""
    stmts, errors = registry.select(targets)
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    outdir = Path(out)
    journal = Journal(outdir, {"profile": dataclasses.asdict(profile), "seed": seed, "ids": [s.id for s in stmts]})
    kept = journal.read() if resume else {}
    if not resume:
        journal.start()
    if reuse:
        for sid, res in _reusable([s for s in stmts if s.id not in kept], outdir / "results.json", profile, seed).items():
            kept[sid] = res
            journal.append(res)
    todo = [s for s in stmts if s.id not in kept]
    print(f"checking {len(todo)} statements" + (f" ({len(kept)} kept from the journal or reused)" if kept else ""),
          file=sys.stderr)
    pool = runner.FamilyPool(jobs) if executor is None and jobs > 1 else None  # kept for the figures
    with pool or contextlib.nullcontext():
        try:
            with _sigterm_interrupts():
                fresh = runner.run(todo, profile, seed, jobs=jobs, executor=executor or pool, on_result=journal.append,
                                   progress=True, expected_seconds=_timings(outdir / "results.json", profile))
        except KeyboardInterrupt:
            print(f"\ninterrupted: the finished statements are in {journal.path}; "
                  f"`python -m checker report --resume` (same options) runs the rest", file=sys.stderr)
            raise
        by_id = {**kept, **{r.id: r for r in fresh}}
        results = [by_id[s.id] for s in stmts]
        index = index_markdown(results, profile, seed, sum(r.seconds for r in results), {s.id: s.origin for s in stmts})
        if errors:
            index += "\n## Load errors\n\n" + "\n".join(f"- {e}" for e in errors) + "\n"
        publish(outdir, {s.id: (s, by_id[s.id]) for s in stmts}, index, results, reuse=reuse, jobs=jobs,
                executor=executor or pool)
    print(f"{outdir / 'index.md'}: {_summary(results)}", file=sys.stderr)
    bad = runner.unexpected(results)
    if bad:
        print(f"unexpected verdicts: {', '.join(bad)}", file=sys.stderr)
    return 2 if errors else 1 if bad else 0
