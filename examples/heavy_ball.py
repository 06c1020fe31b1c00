"""Heavy-ball momentum on a ReLU network: layer balance is not conserved, and what replaces it.

    python -m checker check examples/heavy_ball.py     # refutes "heavy-ball-balance" by search
    python -m checker systems examples/heavy_ball.py   # the system's quantities
    pytest examples/heavy_ball.py                      # the same as tests (the refutation is xfail)

Under gradient flow the layer imbalance Q = ‖W₁‖² − ‖W₂‖² is conserved (Du, Hu & Lee 2018, Thm 2.1).
Under the heavy-ball flow θ̈ + γθ̇ = −∇ℒ (velocity V = θ̇) it is not; instead, since
⟨W₁, ∇₁ℒ⟩ = ⟨W₂, ∇₂ℒ⟩ still holds, C = ⟨W₁, V₁⟩ − ⟨W₂, V₂⟩ = Q̇/2 obeys Ċ + γC = ‖V₁‖² − ‖V₂‖²:
the imbalance is a damped oscillator driven by the kinetic imbalance (it is conserved only at rest).
"""
from checker import conjecture
from checker.arith import rational
from checker.dynamics import heavy_ball_flow
from checker.nets import MLP, activation
from checker.training import layer_imbalance, momentum_imbalance, parameter_instances, training_system, velocity_imbalance

NET = MLP((2, 3, 1), (activation("relu"),))
heavy_ball = training_system(
    "heavy-ball ReLU network", network=NET, instances=parameter_instances(NET, aux=1),
    rule=heavy_ball_flow(rational("1/2")),
    observables={"balance": layer_imbalance(1), "cross": momentum_imbalance(1), "kinetic": velocity_imbalance(1)})

# Fails: momentum carries the imbalance along (the checker's search finds a counterexample).
conjecture("heavy-ball-balance", system=heavy_ball, conclusion="d_balance == 0", expect="fails",
           source="Du, Hu & Lee Thm 2.1, with momentum")
# Holds: the replacement law, Q̈/2 + γQ̇/2 = ‖V₁‖² − ‖V₂‖².
conjecture("heavy-ball-law", system=heavy_ball, conclusion="d_cross + gamma*d_balance/2 == kinetic",
           source="derived from ⟨W₁, ∇₁ℒ⟩ = ⟨W₂, ∇₂ℒ⟩")
