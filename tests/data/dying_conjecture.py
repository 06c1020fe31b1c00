"""A conjecture whose measurement kills its process (for the test that a dead worker is one error row)."""
import os
from dataclasses import dataclass

from checker import conjecture
from checker.dynamics import gradient_flow
from checker.nets import AbstractNetwork
from checker.training import layer_imbalance, parameter_instances, training_system


@dataclass(frozen=True)
class Dying(AbstractNetwork):
    """f(x) = W_2 W_1 x on ℝ; any pass ends the process."""

    def shapes(self):
        return [(1, 1), (1, 1)]

    def forward(self, params, X):
        os._exit(3)

    def backward(self, params, X, G):
        os._exit(3)


NET = Dying()
dying = training_system("dying network", network=NET, instances=parameter_instances(NET),
                        rule=gradient_flow(), observables={"balance": layer_imbalance(0)})
conjecture("dying-balance", system=dying, conclusion="d_balance == 0", source="the dead-worker test")
