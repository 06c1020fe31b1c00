"""Check profiles: how hard one run looks (instances, shards, precision ladder, work budgets, guards).

``quick`` is the test suite's profile, ``default`` the committed reports', ``thorough`` the long run's.
Each is also registered as a Hypothesis settings profile named ``checker-<name>`` (so
``--hypothesis-profile checker-quick`` selects it, and :func:`profile` accepts either name).
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Verbosity, settings

from .arith import Precision

HYPOTHESIS_PREFIX = "checker-"


@dataclass(frozen=True)
class Profile:
    """How hard to look.  The evidence of a run depends only on the *work budgets*; the *guards*
    are time limits that, when they fire, are reported as such and never silently shape a verdict.

    Work budgets (deterministic: the same seed and profile draw the same instances on any machine):

    * ``max_examples`` — instances drawn per statement, split over ``shards`` independent seeded
      searches (shard ``k`` draws ``max_examples // shards`` instances, one more for
      ``k < max_examples % shards``); the shard count is part of the profile, so the instances
      drawn never depend on how many workers run them;
    * ``escalations`` — how many times an undecided instance is re-measured at
      :meth:`Precision.escalated`;
    * ``shrink_steps`` — how many candidate instances the shrinker of shard 0 measures after its
      first violation (the smallest violation found by then is reported, with the largest
      violation reached).  A later shard's counterexample is reported only when every earlier
      shard found none, so its shrinker measures a quarter of that (:meth:`shard_shrink_steps`).

    Guards (time; a guard that fires is a visible outcome):

    * ``instance_seconds`` — one measurement past it is an ``error`` instance ("timeout");
    * ``statement_seconds`` — the generation of one statement past it stops drawing, and the
      statement is ``inconclusive`` with ``budget = {"kind": "statement_seconds", ...}``
      (each shard gets the share of it proportional to its planned instances);
    * ``shrink_seconds`` — shrinking past it stops; the refutation stands, the counterexample
      is the smallest reached, and ``budget`` says the shrink was cut.
    """

    name: str
    max_examples: int
    precision: Precision
    escalations: int
    instance_seconds: float
    statement_seconds: float
    shrink_seconds: float
    shards: int = 1
    shrink_steps: int = 100

    def shard_examples(self, shard: int) -> int:
        """Instances planned for ``shard`` (0-based); they sum to ``max_examples``."""
        base, extra = divmod(self.max_examples, self.shards)
        return base + (shard < extra)

    def shard_shrink_steps(self, shard: int) -> int:
        """Shrink candidates of ``shard``: ``shrink_steps`` for shard 0, a quarter (at least 1) for
        the others, whose counterexample stands in only where the earlier shards found none."""
        return self.shrink_steps if shard == 0 else max(self.shrink_steps // 4, 1)

    @property
    def hypothesis_name(self) -> str:
        """The name of the Hypothesis settings profile registered for this profile."""
        return HYPOTHESIS_PREFIX + self.name


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", 25, Precision(bits=128, rtol=1e-10), 2, 20.0, 120.0, 30.0, shards=1, shrink_steps=40),
    "default": Profile("default", 60, Precision(bits=128, rtol=1e-10), 2, 60.0, 900.0, 120.0, shards=2,
                       shrink_steps=40),
    "thorough": Profile("thorough", 400, Precision(bits=128, rtol=1e-11), 3, 300.0, 7200.0, 600.0, shards=8,
                        shrink_steps=200),
}


def hypothesis_settings(p: Profile) -> settings:
    """The Hypothesis settings a search under ``p`` runs with (examples per shard set by the search).

    No deadline and no health checks (measurements are slow by nature and the guards above
    handle time); no database inside the seeded search (the search replays stored
    counterexamples itself, outside the seeded draws, so they never change the instances drawn).
    """
    return settings(max_examples=p.max_examples, deadline=None, database=None, verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False)


for _p in PROFILES.values():
    settings.register_profile(_p.hypothesis_name, hypothesis_settings(_p))


def profile(name: str) -> Profile:
    """The named profile (``quick`` or ``checker-quick``, …); a ``ValueError`` lists the valid names."""
    key = name[len(HYPOTHESIS_PREFIX):] if name.startswith(HYPOTHESIS_PREFIX) else name
    try:
        return PROFILES[key]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)} "
                         f"(or {', '.join(p.hypothesis_name for p in PROFILES.values())})") from None
