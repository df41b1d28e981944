"""Equality constraints by the modified differential method of multipliers (Platt & Barr 1988), as
the SOS-VAE trains its KL and entropy (Langley et al., arXiv 2205.12533, §3.3; the damping and the
multiplier step from the authors' code).

For a constraint C(θ) = ε with multiplier λ ≥ 0 and damping c, the model minimises

    L = loss + [λ − c · sg(ε − C)] · (C − ε),

whose θ-gradient is (λ + c (C − ε)) ∇C — a Lagrange term plus the gradient of the quadratic
penalty (c/2)(C − ε)², pulling C to ε from both sides. λ ascends: one SGD step of rate 1 on −∂L/∂λ,
i.e. λ ← λ + (C − ε), then λ ← max(λ, 0). With `reduction="sum"` (the authors' code) C and ε are
summed over the batch, so λ moves by batch totals; "mean" averages them per image.
"""

from __future__ import annotations

import torch
from torch import nn

#: [authors' code] the damping of every constraint
DAMPING = 10.0
#: [authors' code] the multipliers' SGD learning rate
MULTIPLIER_LR = 1.0
REDUCTIONS = ("sum", "mean")


class Constraints(nn.Module):
    """Named equality constraints, each with its multiplier (a parameter starting at 0)."""

    def __init__(self, targets: dict, damping: float = DAMPING, reduction: str = "sum", lr: float = MULTIPLIER_LR):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
        if damping < 0 or lr <= 0:
            raise ValueError("the damping must be >= 0 and the multipliers' learning rate positive")
        self.targets = {k: float(v) for k, v in targets.items() if v is not None}
        self.damping, self.reduction = float(damping), reduction
        self.multipliers = nn.ParameterDict({k: nn.Parameter(torch.zeros(())) for k in self.targets})
        self.optimizer = torch.optim.SGD(self.multipliers.parameters(), lr=lr)

    def penalty(self, values: dict) -> tuple[torch.Tensor, dict]:
        """The constraints' part of the loss from per-image values [B] of each constrained quantity,
        and the reduced (value − target) of each, detached, for logging."""
        total, gaps = 0.0, {}
        for name, target in self.targets.items():
            v = values[name]
            c = v.sum() if self.reduction == "sum" else v.mean()
            eps = target * (v.numel() if self.reduction == "sum" else 1)
            lam = self.multipliers[name]
            total = total + (lam - self.damping * (eps - c).detach()) * (c - eps)
            gaps[name] = float(c.detach() - eps)
        return total, gaps

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        """Gradient ascent on the multipliers (after `backward`), then clamp them at 0."""
        for p in self.multipliers.values():
            if p.grad is not None:
                p.grad.neg_()
        self.optimizer.step()
        with torch.no_grad():
            for p in self.multipliers.values():
                p.clamp_(min=0.0)

    def values(self) -> dict:
        return {k: float(p.detach()) for k, p in self.multipliers.items()}
