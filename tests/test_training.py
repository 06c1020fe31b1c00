"""Training systems (checker.training): rates along Flows exactly by dual numbers, one exact Step,
balls where the loss needs them, quantities with LaTeX names and error models."""
import numpy as np
import pytest
from flint import fmpq
from hypothesis import HealthCheck, given, settings

from checker import MeasurementError, Precision
from checker.arith import rational, rational_array
from checker.dynamics import gradient_descent, gradient_flow, heavy_ball, heavy_ball_flow, normalised_gd
from checker.losses import loss
from checker.nets import MLP, activation
from checker.objectives import Objective
from checker.training import (LABELS, layer_imbalance, layer_norm_sq, momentum_imbalance, observable,
                              parameter_instances, parameter_norm_sq, training_system, velocity_imbalance)

NET = MLP((2, 3, 1), (activation("relu"),))
INST = {"X": [["1", "-2"], ["1/2", "3"]], "Y": [["1"], ["-1"]], "theta": ["1", "-1/2", "2", "0", "1/3", "-1", "1", "2", "-1"],
        "aux": [["1", "0", "-1", "2", "0", "1/2", "1", "-1", "3"]]}
PLAIN = {k: v for k, v in INST.items() if k != "aux"}  # for rules without state
PREC = Precision(bits=128)
OBS = {"w1": layer_norm_sq(1), "balance": layer_imbalance(1), "norm": parameter_norm_sq()}


def _measure(system, inst=PLAIN, names=None):
    return system.measured(inst, PREC, set(names or system.quantities))


def _objective(inst=INST, name="squared"):
    return Objective(NET, rational_array(inst["X"]), rational_array(inst["Y"]), loss(name)), rational_array(inst["theta"])


def test_flow_rates_are_exact_directional_derivatives_along_the_field():
    out = _measure(training_system("gf", network=NET, instances=parameter_instances(NET), rule=gradient_flow(), observables=OBS))
    obj, theta = _objective()
    g = obj.gradient(theta)
    W1, G1 = NET.unflatten(theta)[0], NET.unflatten(g)[0]
    assert all(v.kind == "exact" for v in out.values())
    assert out["d_loss"].value == -(g * g).sum()  # dℒ/dt = −‖∇ℒ‖² under gradient flow
    assert out["d_w1"].value == -2 * (W1 * G1).sum()  # d‖W₁‖²/dt = −2⟨W₁, ∇_{W₁}ℒ⟩
    assert out["d_norm"].value == -2 * (theta * g).sum()
    assert out["d_balance"].value == 0  # Du–Hu–Lee on a ReLU network, exactly
    assert out["loss"].value == obj.value(theta) and out["w1"].value == (W1 * W1).sum()


def test_a_step_measures_the_exact_change_in_one_step():
    eta = rational("1/3")
    out = _measure(training_system("gd", network=NET, instances=parameter_instances(NET), rule=gradient_descent(eta),
                                   observables=OBS))
    obj, theta = _objective()
    th1 = theta - eta * obj.gradient(theta)
    assert out["d_loss"].value == obj.value(th1) - obj.value(theta)
    W0, W1 = NET.unflatten(theta)[0], NET.unflatten(th1)[0]
    assert out["d_w1"].value == (W1 * W1).sum() - (W0 * W0).sum()
    assert out["eta"].value == eta and out["eta"].kind == "exact"  # the rule's parameter is a quantity


def test_heavy_ball_rates_use_the_velocity_of_the_instance():
    gamma = rational("1/2")
    obs = {"balance": layer_imbalance(1), "cross": momentum_imbalance(1), "kinetic": velocity_imbalance(1)}
    out = _measure(training_system("hb", network=NET, instances=parameter_instances(NET, aux=1),
                                   rule=heavy_ball_flow(gamma), observables=obs), INST)
    assert out["d_balance"].value == 2 * out["cross"].value != 0  # θ̇ = V
    assert out["d_cross"].value + gamma * out["d_balance"].value / 2 == out["kinetic"].value  # the replacement law
    rest = _measure(training_system("hb", network=NET, instances=parameter_instances(NET), rule=heavy_ball_flow(gamma),
                                    observables=obs), PLAIN)  # no aux: the rule's own init (rest)
    assert rest["d_balance"].value == 0 and rest["kinetic"].value == 0


def test_discrete_heavy_ball_steps_its_state():
    system = training_system("polyak", network=NET, instances=parameter_instances(NET, aux=1),
                             rule=heavy_ball(rational("1/4"), rational("1/2")), observables={"balance": layer_imbalance(1)})
    out = _measure(system, INST)
    assert out["d_balance"].kind == "exact" and {"eta", "beta"} <= set(out)


def test_classification_losses_and_square_roots_are_measured_in_balls():
    inst = {**PLAIN, "Y": [["1"], ["-1"]]}
    out = _measure(training_system("logistic", network=NET, instances=parameter_instances(NET, targets=LABELS),
                                   rule=gradient_flow(), loss="logistic", observables=OBS), inst)
    assert out["loss"].kind == "ball" and out["d_loss"].kind == "ball"
    assert out["d_loss"].as_ball() < 0 and out["d_balance"].as_ball().contains(0)
    system = training_system("ngd", network=NET, instances=parameter_instances(NET), rule=normalised_gd(fmpq(1, 10)),
                             observables=OBS, arithmetic="ball")
    assert system.quantities["d_loss"].error == "ball" and _measure(system)["d_loss"].kind == "ball"
    tanh = MLP((2, 3, 1), (activation("tanh"),))  # a transcendental activation: balls without being told
    out = _measure(training_system("tanh", network=tanh, instances=parameter_instances(tanh), rule=gradient_flow(),
                                   observables=OBS))
    assert out["d_balance"].kind == "ball" and not out["d_balance"].as_ball().contains(0)  # tanh breaks balance


def test_quantities_have_latex_names_descriptions_and_error_models():
    system = training_system("gf", network=NET, instances=parameter_instances(NET), rule=gradient_flow(), observables=OBS)
    q = system.quantities
    assert set(q) == {"w1", "d_w1", "balance", "d_balance", "norm", "d_norm", "loss", "d_loss"}
    assert q["balance"].latex == r"\lVert W_{1}\rVert_F^2 - \lVert W_{2}\rVert_F^2"
    assert q["d_balance"].latex.startswith(r"\tfrac{d}{dt}") and q["loss"].latex == r"\mathcal{L}"
    assert all(x.error == "exact" for x in q.values()) and "gradient flow" in q["d_loss"].description
    step = training_system("gd", network=NET, instances=parameter_instances(NET), rule=gradient_descent(fmpq(1, 2)),
                           observables=OBS)
    assert step.quantities["d_w1"].latex.startswith(r"\Delta") and step.quantities["eta"].latex == r"\eta"
    assert " at 0x" not in repr(system.parameters)  # fingerprints are stable across runs
    assert "lambda o, th, a: (-o.gradient(th), ())" in system.parameters["rule.code"]  # the rule's code is hashed


def test_a_users_architecture_code_is_part_of_the_fingerprint():
    from pathlib import Path

    from checker import registry
    from checker.fingerprint import fingerprint
    from checker.profiles import profile
    from checker.statements import Statement

    system = registry.load_module(Path(__file__).parents[1] / "examples" / "residual.py").residual
    assert "def backward(self, params, X, G):" in system.parameters["network"]
    stmt = Statement(id="fp", title="t", source="s", system=system, conclusion="d_m_balance == 0")
    assert fingerprint(stmt, profile("quick")) == fingerprint(stmt, profile("quick"))


def test_user_errors_are_named():
    with pytest.raises(ValueError, match="defined twice"):
        training_system("x", network=NET, instances=parameter_instances(NET), rule=gradient_flow(),
                        observables={"a": layer_norm_sq(1), "d_a": layer_norm_sq(2)})
    with pytest.raises(ValueError, match="taken by the rule's parameters"):
        training_system("x", network=NET, instances=parameter_instances(NET), rule=gradient_descent(fmpq(1, 2)),
                        observables={"eta": layer_norm_sq(1)})
    with pytest.raises(TypeError, match="observable"):
        training_system("x", network=NET, instances=parameter_instances(NET), rule=gradient_flow(),
                        observables={"a": lambda net, p: 0})
    with pytest.raises(ValueError, match="float parameters"):
        training_system("x", network=NET, instances=parameter_instances(NET), rule=heavy_ball_flow(0.5), observables=OBS)
    floats = training_system("x", network=NET, instances=parameter_instances(NET), rule=gradient_flow(),
                             observables={"a": observable(lambda net, p: 0.5, "a float", "a")})
    with pytest.raises(MeasurementError, match="floats carry no error bound"):
        _measure(floats, names={"a"})
    hb = training_system("x", network=NET, instances=parameter_instances(NET, aux=2), rule=heavy_ball_flow(1),
                         observables=OBS)
    with pytest.raises(MeasurementError, match="auxiliary vectors"):
        _measure(hb, {**INST, "aux": INST["aux"] * 2})


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(parameter_instances(NET, samples=(1, 4), aux=1))
def test_drawn_instances_fit_the_network(inst):
    assert len(inst["theta"]) == NET.size == len(inst["aux"][0])
    assert np.shape(inst["X"])[1] == 2 and np.shape(inst["Y"])[1] == 1 and 1 <= len(inst["X"]) <= 4
