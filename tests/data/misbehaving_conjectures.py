"""Conjectures whose networks misbehave on purpose, for the runner's and the report's tests:
``slow-balance`` sleeps a second in every pass (the interruption test sends its signal while it runs),
``dying-balance`` ends its process in its first pass (a dead worker is one error row)."""
import os
import time
from dataclasses import dataclass

from checker import conjecture
from checker.dynamics import gradient_flow
from checker.nets import AbstractNetwork
from checker.training import layer_imbalance, parameter_instances, training_system


@dataclass(frozen=True)
class Misbehaving(AbstractNetwork):
    """f(x) = W_2 W_1 x on ℝ, each pass preceded by ``misbehave`` ("sleep": one second; "exit": the end)."""

    misbehave: str

    def shapes(self):
        return [(1, 1), (1, 1)]

    def _pass(self):
        if self.misbehave == "exit":
            os._exit(3)
        time.sleep(1.0)

    def forward(self, params, X):
        self._pass()
        return X @ params[0].T @ params[1].T

    def backward(self, params, X, G):
        self._pass()
        return [(G @ params[1]).T @ X, G.T @ (X @ params[0].T)]


for name in ("sleep", "exit"):
    net = Misbehaving(name)
    system = training_system(f"network that misbehaves ({name})", network=net, instances=parameter_instances(net),
                             rule=gradient_flow(), observables={"balance": layer_imbalance(0)})
    conjecture({"sleep": "slow-balance", "exit": "dying-balance"}[name], system=system, conclusion="d_balance == 0",
               source="the runner's tests")
