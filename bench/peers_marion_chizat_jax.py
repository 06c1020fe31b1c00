"""The anchor side of ``bench/peers_marion_chizat.py``: the published Marion–Chizat JAX code, run as is.

Runs in the separate JAX environment (``/work/venv-jax``, ``jax==0.4.27``), never in the project's
(JAX is not a dependency of the project).  It imports the authors' own modules ``utils`` and ``mlp``
from a checkout of https://github.com/PierreMarion23/implicit-reg-sharpness (commit 5188f6a) and
drives them exactly as their ``run_experiment.py linear`` drives its headline configuration
(deep linear regression, n = 50, d = 5, L = 10, noise 1, learning rate 0.02, 10,000 steps, the
sharpness by their 20-step power iteration every 5 steps, float32): the same keys, split the same
way, for the first ``runs`` initialisation scales of repetition 0.  Nothing of their code is copied
here; this file only calls ``generate_data``, ``init_mlp``, ``update``, ``largest_eigenvalue``,
``loss_fn_linear_mlp`` and ``square_distance_to_minimizer_mlp``.

Prints one JSON object: the data and the initial layers (so the project's side starts from the very
same problem), the final layers, the final sharpness estimates, and wall-clock seconds (the runs,
and their compilation part: the initial sharpness and the first iteration, minus the same iteration
five steps later, when everything is compiled).

With ``plain`` instead of ``track`` the sharpness is not tracked along the run (their ``update`` only,
10,000 times): how much of the time is their gradient descent itself.

Run (by ``peers_marion_chizat.py``):
``/work/venv-jax/bin/python bench/peers_marion_chizat_jax.py CODE_DIR RUNS track|plain``.
"""
import json
import sys
import time

start_process = time.perf_counter()
code_dir, runs, track = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "track"
sys.path.insert(0, code_dir)

import jax  # noqa: E402
import jax.flatten_util  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import random  # noqa: E402

from mlp import init_mlp, loss_fn_linear_mlp, square_distance_to_minimizer_mlp  # noqa: E402
from utils import generate_data, largest_eigenvalue, update  # noqa: E402

imported = time.perf_counter()

# The configuration of run_experiment.py's "linear" branch, learning rate 0.02 (its second config).
n, d, L = 50, 5, 10
step_sizes = [0.005, 0.02, 0.07, 0.1, 0.2]
config, reps, num_steps = 1, 20, 10_000
scales = jnp.linspace(0.25, 0.6, 10)
n_iter, every = 20, 5

key = random.PRNGKey(0)
key, subkey = random.split(key)
X, y, Xtest, ytest, w_star = generate_data(n, d, 1.0, subkey)
key, subkey = random.split(key)
flat_params, unravel_fn = jax.flatten_util.ravel_pytree(init_mlp(d, L, 0.25, subkey))
dim = flat_params.shape[0]
key, subkey = random.split(key)
args = (X, y, Xtest, ytest)
step_size = step_sizes[config]
run_keys = random.split(random.split(random.split(subkey, len(step_sizes))[config], reps)[0], len(scales))


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


out = {"versions": {"jax": jax.__version__, "numpy": np.__version__}, "devices": [str(x) for x in jax.devices()],
       "config": {"n": n, "d": d, "L": L, "step_size": step_size, "steps": num_steps, "power_iterations": n_iter,
                  "sharpness_every": every if track else None, "dtype": str(X.dtype)},
       "X": tolist(X), "y": tolist(y), "w_star": tolist(w_star), "runs": []}

compile_seconds = 0.0
start_runs = time.perf_counter()
for j in range(runs):
    t0 = time.perf_counter()
    keys = random.split(run_keys[j], num_steps + 2)
    params = init_mlp(d, L, scales[j], keys[-1])
    init = [tolist(W) for W in params]
    init_distance = square_distance_to_minimizer_mlp(params, (w_star,))
    lap = {"init": time.perf_counter()}
    if track:
        eigv, _ = largest_eigenvalue(args, params, dim, keys[-2], n_iter, unravel_fn, loss_fn_linear_mlp)
    init_sharpness = float(eigv) if track else None
    lap["init"] = time.perf_counter() - lap["init"]
    for step in range(num_steps):
        if step in (0, every):  # the first calls compile; the same iteration later does not
            lap[step] = time.perf_counter()
        params, train_loss, test_loss, _ = update(params, args, step_size, loss_fn_linear_mlp)
        if track and step % every == 0:
            eigv, _ = largest_eigenvalue(args, params, dim, keys[step], n_iter, unravel_fn, loss_fn_linear_mlp)
        if step in (0, every):
            (eigv if track else train_loss).block_until_ready()
            lap[step] = time.perf_counter() - lap[step]
    final_distance = float(square_distance_to_minimizer_mlp(params, (w_star,)))
    eigv = float(eigv) if track else None
    seconds = time.perf_counter() - t0
    compiled = max(lap["init"] + lap[0] - lap[every], 0.0)
    compile_seconds += compiled
    out["runs"].append({"scale": float(scales[j]), "init": init, "final": [tolist(W) for W in params],
                        "init_distance": float(init_distance), "init_sharpness": init_sharpness,
                        "final_distance": final_distance,
                        "final_sharpness": eigv, "final_train_loss": float(train_loss), "seconds": seconds,
                        "compile_seconds": compiled})
out["seconds"] = {"import": imported - start_process, "runs": time.perf_counter() - start_runs,
                  "compile": compile_seconds}
print(json.dumps(out))
