"""Checking conjectures from Python, as in a notebook (each block is a cell).

    python examples/api_session.py [OUT.png]   # prints verdicts and a table, draws OUT.png (api_session.png)

``checker.check`` takes what the command line takes (ids, globs, conjecture files, FILE::PATTERN) and
returns one result object per statement: every field of its ``--json`` row, the per-instance
``records``, ``.table()`` (one flat row per instance: outcome, margin, evidence, scope reason,
features, measured values; ``pandas.DataFrame(result.table())`` makes a data frame) and
``.plot(x, y)`` (a matplotlib scatter coloured by outcome).
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import checker

HERE = Path(__file__).resolve().parent

# Cell 1: check two conjectures of the example file, at the quick profile, with a fixed seed.
results = checker.check(f"{HERE / 'my_conjectures.py'}::*balance*", profile="quick", seed=0)
for r in results:
    print(r)  # <id: verdict on in-scope/drawn in scope, worst margin …>

# Cell 2: the per-instance records of the refuted conjecture, as a table.
tanh = next(r for r in results if r.id == "tanh-balance")
print(f"{tanh.id}: {tanh.verdict}, replay with {tanh.reproduce}")
for row in tanh.table()[:5]:
    print(row)

# Cell 3: the two sides of the broken identity against each other, one colour per outcome.
ax = tanh.plot("out_dot", "in_dot")
ax.figure.savefig(sys.argv[1] if len(sys.argv) > 1 else "api_session.png", dpi=80)
