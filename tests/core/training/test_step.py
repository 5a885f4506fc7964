"""The direct training step (fused kernels on the optimizer's own state, hook-free forward) gives exactly the
weights of the standard `optimizer.step()` path, and steps aside where it does not apply."""

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.training import Trainer, TrainingSettings
from workbench.core.training.step import TrainStep, hook_free_forward


@pytest.fixture(scope="module")
def digits_cnn():
    project = open_template("cnn")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "digits"}))
    fit_graph_to_dataset(project.graph, dataset)
    return project.graph, dataset


@pytest.fixture(scope="module")
def moons():
    project = open_template("mlp")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "moons",
                                                  "options": {"n_samples": 300}}))
    fit_graph_to_dataset(project.graph, dataset)
    return project.graph, dataset


def train(graph, dataset, direct, **settings):
    torch.manual_seed(0)
    module = build_module(graph)
    options = dict(epochs=3, batch_size=32, early_stopping=False, restore_best=False, seed=3)
    options.update(settings)
    result = Trainer(module, dataset, TrainingSettings(**options), graph=graph, direct_step=direct).fit()
    return module, result


@pytest.mark.parametrize("settings", [
    dict(optimizer="adam"),
    dict(optimizer="adam", weight_decay=0.01, grad_clip=0.5),
    dict(optimizer="adamw", weight_decay=0.05, schedule="one_cycle"),  # one-cycle moves Adam's beta1 every step
    dict(optimizer="sgd", momentum=0.9, weight_decay=1e-3, schedule="cosine", learning_rate=0.05),
    dict(optimizer="sgd", momentum=0.0, learning_rate=0.1, grad_clip=0.1),
], ids=["adam", "adam-decay-clip", "adamw-onecycle", "sgd-momentum-cosine", "sgd-plain-clip"])
def test_direct_steps_give_the_standard_weights(moons, settings):
    graph, dataset = moons
    standard, a = train(graph, dataset, False, **settings)
    direct, b = train(graph, dataset, True, **settings)
    assert torch.equal(torch.as_tensor(a.batch_losses), torch.as_tensor(b.batch_losses))
    for (name, x), (_, y) in zip(standard.state_dict().items(), direct.state_dict().items()):
        assert torch.equal(x, y), name
    assert a.history[-1]["val_loss"] == b.history[-1]["val_loss"]


def test_direct_steps_train_a_cnn_with_batch_norm_like_the_standard_way(digits_cnn):
    graph, dataset = digits_cnn
    standard, _ = train(graph, dataset, False, epochs=1, batch_size=64)
    direct, _ = train(graph, dataset, True, epochs=1, batch_size=64)
    for (name, x), (_, y) in zip(standard.state_dict().items(), direct.state_dict().items()):
        assert torch.allclose(x, y, rtol=1e-5, atol=1e-6), name  # running statistics included


def steps_taken(module, optimizer, params, batches=4):
    from torch.nn import functional as F

    step = TrainStep(module, optimizer, params, lambda out, y, x: F.cross_entropy(out, y), 0.0)
    x, y = torch.randn(16, 2), torch.randint(0, 2, (16,))
    for _ in range(batches):
        step(x, y)
    return step


def test_the_first_step_is_standard_and_the_rest_direct(moons):
    graph, _ = moons
    module = build_module(graph)
    params = list(module.parameters())
    optimizer = torch.optim.Adam(params, fused=True)
    step = steps_taken(module, optimizer, params)
    assert step.is_direct
    assert int(optimizer.state[params[0]]["step"]) == 4  # the optimizer's own state moved on
    assert "fused" in optimizer.state_dict()["param_groups"][0]


@pytest.mark.parametrize("case", ["not fused", "two groups", "amsgrad", "scaler"])
def test_the_direct_step_steps_aside_where_it_does_not_apply(moons, case):
    graph, _ = moons
    module = build_module(graph)
    params = list(module.parameters())
    if case == "not fused":
        optimizer = torch.optim.Adam(params)
    elif case == "two groups":
        optimizer = torch.optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], fused=True)
    else:
        optimizer = torch.optim.Adam(params, fused=True, amsgrad=case == "amsgrad")
    step = steps_taken(module, optimizer, params) if case != "scaler" else None
    if case == "scaler":
        step = TrainStep(module, optimizer, params, None, 0.0, scaler=object())
        assert not step.may_go_direct
    else:
        assert not step.is_direct


def test_hooks_keep_the_standard_forward(moons):
    graph, _ = moons
    module = build_module(graph)
    assert hook_free_forward(module) is not module
    x = torch.randn(5, 2)
    assert torch.equal(hook_free_forward(module)(x), module(x))
    seen = []
    handle = module.layers["dense1"].register_forward_hook(lambda m, i, o: seen.append(o.shape))
    assert hook_free_forward(module) is module
    handle.remove()
    handle = torch.nn.modules.module.register_module_forward_pre_hook(lambda m, i: None)
    try:
        assert hook_free_forward(module) is module
    finally:
        handle.remove()


@pytest.mark.parametrize("template", ["lstm", "transformer", "encoder"])
def test_the_hook_free_forward_leaves_padding_out_as_the_module_does(template):
    project = open_template(template)
    module = build_module(project.graph)
    module.eval()
    x = torch.zeros(3, 15, dtype=torch.int64)
    for row, length in enumerate((4, 9, 15)):
        x[row, :length] = torch.arange(2, 2 + length)
    with torch.no_grad():
        assert torch.allclose(hook_free_forward(module)(x), module(x), atol=1e-6)


def test_a_cnn_trains_channels_last_on_the_cpu_and_ends_in_the_usual_layout(digits_cnn):
    from workbench.core.training import Callback

    graph, dataset = digits_cnn
    seen = {}

    class Look(Callback):
        def on_fit_start(self, trainer, info):
            weight = trainer.module.layers["conv2"].weight  # conv1 has one input channel: both layouts coincide
            seen["during"] = weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()

    torch.manual_seed(0)
    module = build_module(graph)
    settings = TrainingSettings(epochs=2, batch_size=64, early_stopping=False)
    result = Trainer(module, dataset, settings, graph=graph, callbacks=[Look()]).fit()
    assert seen["during"]
    assert all(p.is_contiguous() for p in module.parameters())
    assert result.history[-1]["val_accuracy"] > 0.5  # it learns in that layout


@pytest.fixture(scope="module")
def text_data(tmp_path_factory):
    words = ["good", "great", "fine", "bad", "awful", "poor", "film", "plot", "actors", "very", "not", "really"]
    rng = torch.Generator().manual_seed(0)
    rows = []
    for i in range(120):
        picks = torch.randint(0, len(words), (6,), generator=rng).tolist()
        rows.append(f'"{" ".join(words[k] for k in picks)}",{"pn"[i % 2]}')
    path = tmp_path_factory.mktemp("text") / "reviews.csv"
    path.write_text("review,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return load_dataset(DatasetSpec(source="csv", path=str(path), options={"text": {"column": "review"}}))


@pytest.mark.parametrize("template", ["lstm", "transformer", "resnet"])
def test_direct_steps_match_on_every_kind_of_template(template, text_data, digits_cnn):
    project = open_template(template)
    dataset = digits_cnn[1] if template == "resnet" else text_data
    fit_graph_to_dataset(project.graph, dataset)
    graph = project.graph
    epochs = 1 if template == "resnet" else 2
    standard, a = train(graph, dataset, False, epochs=epochs, batch_size=32)
    direct, b = train(graph, dataset, True, epochs=epochs, batch_size=32)
    assert len(a.batch_losses) > 2 and bool(torch.isfinite(torch.as_tensor(b.batch_losses)).all())
    for (name, x), (_, y) in zip(standard.state_dict().items(), direct.state_dict().items()):
        assert torch.allclose(x, y, rtol=1e-5, atol=1e-6), name


@pytest.mark.parametrize("template", ["lstm", "transformer", "encoder"])
def test_the_direct_forward_gives_the_padding_masks_as_the_module_does(template):
    module = build_module(open_template(template).graph).eval()
    assert module.mask_from
    ids = torch.randint(1, 20, (3, 15), generator=torch.Generator().manual_seed(0))
    ids[0, 4:] = 0
    ids[1, 9:] = 0
    forward = hook_free_forward(module)
    assert forward is not module
    with torch.no_grad():
        assert torch.equal(forward(ids), module(ids))
