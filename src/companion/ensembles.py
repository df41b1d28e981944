"""Batched ensembles: several models of one architecture trained as one.

A sweep whose runs share an architecture and differ only in their seed (initial weights, data order,
noise) or in a scalar of the objective (a σ², a β) can train its members side by side: their
parameters are stacked along a new leading axis (`torch.func.stack_module_state`), one call of the
objective is vectorised over the members (`torch.func.vmap` of `torch.func.functional_call`), and one
backward pass of the summed member losses gives every member its own gradient (the members share no
parameter, so the sum's gradient with respect to member k's slice is member k's loss gradient).

Adam and Adamax update each parameter element from that element's gradient alone, with a step count
all members share, so one optimizer over the stacked tensors is, element for element, one optimizer
per member: a member of a batched run follows the trajectory of the same model trained alone with the
same initial weights, batches and noise (tests/test_ensembles.py checks it step for step in float64).
What changes is speed: one pass of M members costs one batched matrix product per layer instead of M
small ones (benchmarks/bench_ensembles.py, benchmarks/README.md).

Each member is handed back as an ordinary module (`Ensemble.member`), so a results cache stores it as
its own entry, and nothing downstream depends on how the runs were batched.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


class Ensemble:
    """M modules of one architecture as stacked parameters [M, ...] (leaf tensors an optimizer can
    own) and a vectorised call. `modules` are copied, not changed."""

    def __init__(self, modules: list[nn.Module]):
        if not modules:
            raise ValueError("an ensemble needs at least one module")
        shapes = [[(n, tuple(p.shape)) for n, p in m.named_parameters()] for m in modules]
        if any(s != shapes[0] for s in shapes[1:]):
            raise ValueError("every member of an ensemble must have the same architecture (parameter names and shapes)")
        self.size = len(modules)
        self.template = copy.deepcopy(modules[0])
        params, buffers = stack_module_state(list(modules))
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self.buffers = {k: v.detach().clone() for k, v in buffers.items()}

    def __len__(self) -> int:
        return self.size

    def parameters(self) -> list[torch.Tensor]:
        return list(self.params.values())

    def __call__(self, *args, in_dims=0):
        """Every member's forward on its slice of `args` (each argument's leading axis is the member
        axis; `in_dims` as in `vmap`: None for an argument all members share). Returns the outputs
        stacked on a leading member axis."""
        return self.apply(self.template, *args, in_dims=in_dims)

    def apply(self, module: nn.Module, *args, in_dims=0):
        """`module`'s forward for every member, with the member's parameters: `module` is any module
        whose parameters and buffers carry the template's names — another wrapper of the same network,
        e.g. one phase of a training step — so several functions can share one set of stacked
        parameters. Arguments and outputs as in `__call__`."""
        def one(params, buffers, *a):
            return functional_call(module, (params, buffers), a, strict=True)

        dims = (0, 0) + (in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args))
        return vmap(one, in_dims=dims)(self.params, self.buffers, *args)

    @torch.no_grad()
    def member(self, k: int) -> nn.Module:
        """Member k as an ordinary module (a copy of the template with its own parameters)."""
        if not 0 <= k < self.size:
            raise IndexError(f"member {k} of an ensemble of {self.size}")
        out = copy.deepcopy(self.template)
        saved = set(out.state_dict())
        out.load_state_dict({**{n: p[k].detach().clone() for n, p in self.params.items()},
                             **{n: b[k].clone() for n, b in self.buffers.items() if n in saved}})
        for n, b in self.buffers.items():  # non-persistent buffers (masks): not in a state_dict
            if n not in saved:
                out.get_buffer(n).copy_(b[k])
        return out


def train_step(ensemble: Ensemble, optimizer: torch.optim.Optimizer, *args, in_dims=0) -> torch.Tensor:
    """One step of every member: the template's forward must return the member's scalar loss for its
    slice of `args`. Returns the members' losses [M] (detached)."""
    losses = ensemble(*args, in_dims=in_dims)
    if losses.shape != (len(ensemble),):
        raise ValueError(f"the objective must return one scalar per member, got shape {tuple(losses.shape)}")
    optimizer.zero_grad(set_to_none=True)
    losses.sum().backward()
    optimizer.step()
    return losses.detach()
