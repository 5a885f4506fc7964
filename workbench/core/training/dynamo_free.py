"""The PyTorch calls of a training run, made without importing `torch._dynamo` (with sympy and torch._inductor: about
2.3 s, 40 % of a small table's whole `workbench train`), which Workbench never uses: it does not compile.

`lean_optimizer(cls)`: torch.optim decorates `Optimizer.add_param_group`, `zero_grad`, `state_dict`,
`load_state_dict` and every `step` so that `torch.compile` can trace around them, and the decorators import
torch._dynamo the first time one is called. `lean_optimizer(cls)` is a subclass of the torch.optim class `cls` that
calls those methods undecorated: `functools.wraps` keeps the original as `__wrapped__`, and the arithmetic is
PyTorch's own. `step` runs under `torch.no_grad()`, as its decorator does for a non-differentiable optimizer. A
method that some PyTorch version does not decorate is simply inherited; tests/core/training/test_dynamo_free.py
checks both that nothing imports torch._dynamo and that the updates are bit for bit PyTorch's.

`set_deterministic(mode, warn_only)`: `torch.use_deterministic_algorithms` imports torch._inductor's config to pass
the flag on to torch.compile; when inductor is not loaded there is nothing to pass it to, and the flag is set
directly, as that function does itself.
"""

from __future__ import annotations

import functools
import sys

UNDECORATED = ("add_param_group", "zero_grad", "state_dict", "load_state_dict")


@functools.cache
def lean_optimizer(cls):
    """A subclass of the optimizer class `cls` (e.g. torch.optim.AdamW) whose methods skip the torch._dynamo
    decorators."""
    import torch  # lazy

    members = {}
    for name in UNDECORATED:
        inner = getattr(getattr(cls, name, None), "__wrapped__", None)
        if inner is not None:
            members[name] = inner
    step = getattr(cls.step, "__wrapped__", None)
    if step is not None:
        def undecorated_step(self, closure=None):
            with torch.no_grad():  # a closure's loss is computed with gradients: the step itself enables them
                return step(self, closure)

        members["step"] = functools.wraps(cls.step)(undecorated_step)
    return type(cls.__name__, (cls,), members)


def set_deterministic(mode: bool, warn_only: bool = False) -> None:
    """`torch.use_deterministic_algorithms(mode, warn_only=warn_only)`, without importing torch._inductor unless it is
    loaded already."""
    import torch  # lazy

    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if "torch._inductor.config" in sys.modules or setter is None:
        torch.use_deterministic_algorithms(mode, warn_only=warn_only)
    else:
        setter(mode, warn_only=warn_only)
