"""A new architecture, written here: the linear residual network x ↦ (I + N_L)⋯(I + N_1)x.

    python -m checker check examples/residual.py     # refutes "residual-n-balance" by search
    python -m checker systems examples/residual.py   # the system's quantities
    pytest examples/residual.py                      # the same as tests (the refutation is xfail)

Gradient flow on the blocks N_k is gradient flow on the effective weights M_k = I + N_k (∂f/∂N_k =
∂f/∂M_k), a deep linear network: so Du, Hu & Lee's balance holds for the M_k,
‖I + N_1‖² − ‖I + N_2‖² is conserved, while the N_k themselves drift apart:
d/dt(‖N_1‖² − ‖N_2‖²) = 2 tr(∇_{N_2}ℒ − ∇_{N_1}ℒ) ≠ 0.
"""
from dataclasses import dataclass

from checker import conjecture
from checker.dynamics import gradient_flow
from checker.nets import AbstractNetwork
from checker.training import layer_imbalance, parameter_instances, training_system


@dataclass(frozen=True)
class Residual(AbstractNetwork):
    """f(x) = (I + N_L)⋯(I + N_1)x on ℝ^dim; parameters [N_1, …, N_L]; data as rows (F = X M_1ᵀ⋯M_Lᵀ)."""

    dim: int
    blocks: int

    def shapes(self):
        return [(self.dim, self.dim)] * self.blocks

    def hidden(self, params, X):
        """The inputs h_0 = X, h_k = h_{k-1} + h_{k-1} N_kᵀ of every block, and the output h_L."""
        hs = [X]
        for N in params:
            hs.append(hs[-1] + hs[-1] @ N.T)
        return hs

    def forward(self, params, X):
        return self.hidden(params, X)[-1]

    def backward(self, params, X, G):
        hs, grads, delta = self.hidden(params, X), [None] * self.blocks, G
        for k in range(self.blocks - 1, -1, -1):  # δ_{k-1} = δ_k (I + N_k), ∂/∂N_k = δ_kᵀ h_{k-1}
            grads[k] = delta.T @ hs[k]
            delta = delta + delta @ params[k]
        return grads


NET = Residual(dim=2, blocks=3)
residual = training_system("linear residual network", network=NET, instances=parameter_instances(NET),
                           rule=gradient_flow(), observables={"n_balance": layer_imbalance(1, symbol="N"),
                                                              "m_balance": layer_imbalance(1, shift=1, symbol="N")})

# Fails: the skip connection breaks the balance of the blocks themselves.
conjecture("residual-n-balance", system=residual, conclusion="d_n_balance == 0", expect="fails",
           source="Du, Hu & Lee Thm 2.1, applied to residual blocks")
# Holds: the balance of the effective weights I + N_k is conserved.
conjecture("residual-m-balance", system=residual, conclusion="d_m_balance == 0",
           source="Du, Hu & Lee Thm 2.1 for the deep linear network in M_k = I + N_k")
