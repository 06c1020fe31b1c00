"""Three conjectures about layer balance, as a researcher would write them in their own repository.

    python -m checker check examples/my_conjectures.py     # verdicts, counterexamples, replay commands
    pytest examples/my_conjectures.py                      # the same conjectures as regression tests
"""
from checker import conjecture
from theorems.balance import mlp

# Holds: Du-Hu-Lee's balance also for deeper ReLU networks with leaky layers mixed in.
conjecture("deep-relu-balance", system=mlp(activations=("relu", "leaky_relu"), depth=(3, 5)),
           conclusion="d_in_sq == d_out_sq", source="Du, Hu & Lee Thm 2.1, deeper nets")

# Holds: one gradient-descent step moves the balance by at most η²(‖G_in‖² + ‖G_out‖²).
conjecture("gd-balance-step-bound", system=mlp(),
           conclusion="Abs(gd_d_in_sq - gd_d_out_sq) <= eta**2*(g_in_sq + g_out_sq)",
           source="a corollary of DHL-GD")

# Fails: tanh is not homogeneous, so the per-neuron identity breaks (the checker finds a counterexample).
conjecture("tanh-balance", system=mlp(activations=("tanh",), enforce_hypotheses=False),
           conclusion="in_dot == out_dot", source="a guess", expect="fails")
