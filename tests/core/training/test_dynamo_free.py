"""A training run does not import torch._dynamo, and the lean optimizers compute exactly what torch.optim's do."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

import pytest
import torch

from workbench.core.training.dynamo_free import lean_optimizer, set_deterministic

OPTIMIZERS = [(torch.optim.SGD, {"momentum": 0.9, "weight_decay": 1e-3}), (torch.optim.Adam, {"weight_decay": 1e-3}),
              (torch.optim.AdamW, {"weight_decay": 1e-2})]


def test_a_whole_run_in_a_fresh_process_never_imports_torch_dynamo(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        from workbench.core.project import open_template
        from workbench.core.project.actions import save_project, train_project
        from workbench.core.training.settings import TrainingSettings

        project = open_template("mlp")
        save_project(project, r"{tmp_path / 'iris.wbproj'}")
        for optimizer in ("adamw", "adam", "sgd"):
            settings = TrainingSettings(epochs=3, device="cpu", optimizer=optimizer, deterministic=True,
                                        schedule="cosine")
            project.add_run(train_project(project, r"{tmp_path}", settings=settings, num_threads=1).record)
        last = project.runs[-1].id
        settings = TrainingSettings(epochs=5, device="cpu", optimizer="sgd", schedule="cosine")
        train_project(project, r"{tmp_path}", settings=settings, num_threads=1, resume_run=last)
        print("loaded:", sorted(m for m in ("torch._dynamo", "torch._inductor", "sympy") if m in sys.modules))
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "loaded: []"


@pytest.mark.parametrize("cls, options", OPTIMIZERS, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("fused", [False, True])
def test_the_lean_optimizer_updates_bit_for_bit_as_pytorchs_own(cls, options, fused):
    torch.manual_seed(0)
    ours_net, theirs_net = torch.nn.Linear(6, 3), torch.nn.Linear(6, 3)
    theirs_net.load_state_dict(ours_net.state_dict())
    ours = lean_optimizer(cls)(ours_net.parameters(), lr=0.05, fused=fused, **options)
    theirs = cls(theirs_net.parameters(), lr=0.05, fused=fused, **options)
    assert isinstance(ours, cls)
    for step in range(6):
        x = torch.randn(8, 6)
        for net, optimizer in ((ours_net, ours), (theirs_net, theirs)):
            optimizer.zero_grad()
            net(x).square().mean().backward()
            optimizer.step()
        if step == 2:  # a checkpoint of ours restores into PyTorch's, and the other way round
            theirs.load_state_dict(copy.deepcopy(ours.state_dict()))  # (a loaded state may share the tensors)
            ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
    for mine, reference in zip(ours_net.parameters(), theirs_net.parameters()):
        assert torch.equal(mine, reference)
        assert not mine.requires_grad or mine.grad is not None


def test_a_closure_runs_with_gradients_and_its_loss_is_returned():
    net = torch.nn.Linear(2, 1)
    optimizer = lean_optimizer(torch.optim.SGD)(net.parameters(), lr=0.1)
    before = net.weight.detach().clone()

    def closure():
        optimizer.zero_grad()
        loss = net(torch.ones(1, 2)).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss is not None and loss.requires_grad
    assert not torch.equal(before, net.weight)
    assert torch.is_grad_enabled()  # the step's no_grad does not leak


def test_set_deterministic_sets_and_restores_pytorchs_flag():
    was = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    try:
        set_deterministic(True, warn_only=True)
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
        set_deterministic(False)
        assert not torch.are_deterministic_algorithms_enabled()
    finally:
        set_deterministic(*was)
