"""`TrainStep`: one optimisation step on a batch (forward, loss, gradients, optional clipping, update).

Two ways to take it, giving the same weights:

- the standard way, through PyTorch's API: ``module(x)``, ``loss.backward()``, ``clip_grad_norm_``,
  ``optimizer.step()`` (with the gradient scaler under fp16 mixed precision);
- the direct way, for the common case (one parameter group, a fused Adam, AdamW or SGD, no gradient scaler): each
  layer's ``forward`` is called without `nn.Module.__call__`'s hook checks, the gradients come from
  ``torch.autograd.grad`` (no ``.grad`` to zero), and the optimizer's own fused kernel updates the optimizer's own
  state tensors, without ``optimizer.step()``'s per-call Python (profiling, hooks, grouping by device).

On small models the Python around the kernels is most of a step: on the digits MLP the direct way takes about
0.6-0.8 of the standard step's time (`tests/bench/bench_training.py`). The first step of every run is standard, so
that the optimizer creates (or, when resuming, has loaded) its state exactly as PyTorch does; checkpoints and
schedules keep working on the same optimizer object. `tests/core/test_training_step.py` checks that both ways give
identical weights for every optimizer, with weight decay, clipping and a schedule that changes the betas.
"""

from __future__ import annotations

from workbench.core.training.optim import autocast


class TrainStep:
    """Callable ``step(xb, yb) -> loss`` (a 0-d tensor, not synced)."""

    def __init__(self, module, optimizer, params: list, loss_fn, grad_clip: float, scaler=None, amp_dtype=None,
                 device=None, direct: bool = True):
        self.module = module
        self.optimizer = optimizer
        self.params = params
        self.loss_fn = loss_fn
        self.grad_clip = grad_clip
        self.scaler = scaler
        self.amp_dtype = amp_dtype
        self.device = device
        self.may_go_direct = direct and scaler is None and amp_dtype is None
        self.update = None  # a `_FusedUpdate` once the optimizer's state exists
        self.forward = None

    @property
    def is_direct(self) -> bool:
        return self.update is not None

    def __call__(self, xb, yb):
        if self.update is not None:
            return self._direct(xb, yb)
        loss = self._standard(xb, yb)
        if self.may_go_direct:
            self.update = _FusedUpdate.of(self.optimizer, self.params)
            self.forward = hook_free_forward(self.module) if self.update is not None else None
            self.may_go_direct = False
        return loss

    def _standard(self, xb, yb):
        import torch  # lazy


        with autocast(self.device, self.amp_dtype):
            outputs = self.module(xb)
            loss = self.loss_fn(outputs, yb, xb)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            if self.grad_clip > 0:
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            if self.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(self.params, self.grad_clip)
            self.optimizer.step()
        return loss

    def _direct(self, xb, yb):
        import torch  # lazy

        loss = self.loss_fn(self.forward(xb), yb, xb)
        grads = list(torch.autograd.grad(loss, self.params))
        if self.grad_clip > 0:  # as clip_grad_norm_ computes it, without a device sync
            total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0)
            torch._foreach_mul_(grads, torch.clamp(self.grad_clip / (total + 1e-6), max=1.0))
        self.update(grads)
        return loss


class _FusedUpdate:
    """Applies the optimizer's fused kernel to its own state tensors; `of` returns None where it does not apply."""

    def __init__(self, group: dict, params: list, kernel, state_lists: tuple, sgd: bool = False):
        self.group = group
        self.params = params
        self.kernel = kernel
        self.state_lists = state_lists
        self.sgd = sgd

    @classmethod
    def of(cls, optimizer, params: list):
        import torch  # lazy

        groups = optimizer.param_groups
        if len(groups) != 1 or not groups[0].get("fused") or len(groups[0]["params"]) != len(params):
            return None
        group = groups[0]
        if group.get("maximize") or group.get("differentiable") or group.get("capturable") or group.get("amsgrad"):
            return None
        if any(p.grad is None or p.grad.is_sparse for p in params):
            return None  # a parameter the loss does not reach: the standard way skips it, keep doing that
        if len({(p.device, p.dtype) for p in params}) != 1:
            return None
        state = [optimizer.state.get(p, {}) for p in params]
        if isinstance(optimizer, torch.optim.Adam):  # AdamW too
            if not all("exp_avg" in s and "exp_avg_sq" in s and torch.is_tensor(s.get("step")) for s in state):
                return None
            decoupled = group.get("decoupled_weight_decay", isinstance(optimizer, torch.optim.AdamW))
            kernel = getattr(torch, "_fused_adamw_" if decoupled else "_fused_adam_", None)
            lists = ([s["exp_avg"] for s in state], [s["exp_avg_sq"] for s in state], [s["step"] for s in state])
            return cls(group, params, kernel, lists) if kernel is not None else None
        if isinstance(optimizer, torch.optim.SGD):
            kernel = getattr(torch, "_fused_sgd_", None)
            if group["momentum"]:
                if not all(torch.is_tensor(s.get("momentum_buffer")) for s in state):
                    return None
                buffers = [s["momentum_buffer"] for s in state]
            else:
                buffers = []
            return cls(group, params, kernel, (buffers,), sgd=True) if kernel is not None else None
        return None

    def __call__(self, grads: list) -> None:
        import torch  # lazy

        g = self.group
        if self.sgd:
            self.kernel(self.params, grads, self.state_lists[0], weight_decay=g["weight_decay"],
                        momentum=g["momentum"], lr=g["lr"], dampening=g["dampening"], nesterov=g["nesterov"],
                        maximize=False, is_first_step=False, grad_scale=None, found_inf=None)
            return
        exp_avgs, exp_avg_sqs, steps = self.state_lists
        beta1, beta2 = g["betas"]
        torch._foreach_add_(steps, 1)
        self.kernel(self.params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False, lr=g["lr"],
                    beta1=float(beta1), beta2=float(beta2), weight_decay=g["weight_decay"], eps=g["eps"],
                    maximize=False, grad_scale=None, found_inf=None)


def hook_free_forward(module):
    """`module`'s forward calling each layer's own ``forward`` (skipping `nn.Module.__call__`), or the module itself
    when anything has hooks registered (they must run) or it is not a GraphModule. The layers that read time steps
    get the padding mask, as in `GraphModule.forward`, so a text model trains on what it is evaluated on."""
    from torch.nn.modules import module as torch_module  # lazy

    if getattr(module, "unhooked_forward", None) is None or len(module.input_ids) != 1 \
            or len(module.head_ids) != 1:
        return module
    global_hooks = ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks",
                    "_global_backward_pre_hooks", "_global_forward_hooks_always_called")
    if any(getattr(torch_module, name, None) for name in global_hooks):
        return module
    local_hooks = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    if any(getattr(m, name, None) for m in (module, *module.layers.values()) for name in local_hooks):
        return module
    return module.unhooked_forward()
