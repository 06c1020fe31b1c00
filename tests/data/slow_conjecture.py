"""A conjecture that takes minutes however fast the machine: its network sleeps in every pass.

The interruption test (tests/test_report.py) sends its signal while this statement runs.
"""
import time
from dataclasses import dataclass

from checker import conjecture
from checker.dynamics import gradient_flow
from checker.nets import AbstractNetwork
from checker.training import layer_imbalance, parameter_instances, training_system


@dataclass(frozen=True)
class SlowLinear(AbstractNetwork):
    """f(x) = W_2 W_1 x on ℝ, one second a pass."""

    def shapes(self):
        return [(1, 1), (1, 1)]

    def forward(self, params, X):
        time.sleep(1.0)
        return X @ params[0].T @ params[1].T

    def backward(self, params, X, G):
        time.sleep(1.0)
        return [(G @ params[1]).T @ X, G.T @ (X @ params[0].T)]


NET = SlowLinear()
slow = training_system("slow linear network", network=NET, instances=parameter_instances(NET),
                       rule=gradient_flow(), observables={"balance": layer_imbalance(0)})
conjecture("slow-balance", system=slow, conclusion="d_balance == 0", source="the interruption test")
