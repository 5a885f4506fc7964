"""Augmentation: tensor ops that keep shape, dtype and device, reproducible from a generator."""

from __future__ import annotations

import pytest
import torch

from workbench.core.data import augment_batch


def batch(n=8, c=1, h=6, w=10):
    return torch.arange(n * c * h * w, dtype=torch.float32).reshape(n, c, h, w) / (n * c * h * w)


@pytest.mark.parametrize("options", [
    {"hflip": True}, {"vflip": True}, {"rotate_deg": 15}, {"shift_px": 2}, {"noise": 0.1},
    {"hflip": True, "vflip": True, "rotate_deg": 10, "shift_px": 1, "noise": 0.05},
])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_and_device_are_kept(options, dtype):
    x = batch(c=3).to(dtype)
    out = augment_batch(x, options, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device
    assert not torch.equal(out, x)
    assert torch.equal(x, batch(c=3).to(dtype))          # the input is not changed in place


def test_same_generator_seed_same_result():
    opts = {"hflip": True, "rotate_deg": 20, "shift_px": 2, "noise": 0.1}
    a = augment_batch(batch(), opts, torch.Generator().manual_seed(5))
    b = augment_batch(batch(), opts, torch.Generator().manual_seed(5))
    c = augment_batch(batch(), opts, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_flip_flips_whole_images_only():
    x = batch(n=64)
    out = augment_batch(x, {"hflip": True}, torch.Generator().manual_seed(1))
    flipped = [bool(torch.equal(o, i.flip(-1))) for o, i in zip(out, x)]
    kept = [bool(torch.equal(o, i)) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 16 < sum(flipped) < 48


def test_shift_moves_by_whole_pixels():
    x = torch.zeros(32, 1, 9, 9)
    x[:, :, 4, 4] = 1.0
    out = augment_batch(x, {"shift_px": 2}, torch.Generator().manual_seed(2))
    for img in out[:, 0]:
        assert torch.isclose(img.sum(), torch.tensor(1.0), atol=1e-5)        # a one-pixel dot moves whole
        row, col = divmod(int(img.argmax()), 9)
        assert abs(row - 4) <= 2 and abs(col - 4) <= 2
    assert len({int(img.argmax()) for img in out[:, 0]}) > 3


def test_small_rotation_keeps_the_picture_close():
    x = torch.zeros(4, 1, 16, 16)
    x[:, :, 4:12, 4:12] = 1.0
    out = augment_batch(x, {"rotate_deg": 5}, torch.Generator().manual_seed(3))
    assert (out - x).abs().mean() < 0.1 and not torch.equal(out, x)


def test_noise_has_the_asked_spread():
    x = torch.zeros(64, 1, 16, 16)
    out = augment_batch(x, {"noise": 0.2}, torch.Generator().manual_seed(4))
    assert out.std().item() == pytest.approx(0.2, rel=0.05)


def test_non_images_get_noise_only_and_empty_options_do_nothing():
    x = torch.ones(10, 4)
    assert augment_batch(x, {}, None) is x
    assert augment_batch(x, {"hflip": True, "rotate_deg": 10}, torch.Generator()).equal(x)
    noisy = augment_batch(x, {"noise": 0.5, "hflip": True}, torch.Generator().manual_seed(0))
    assert noisy.shape == x.shape and not torch.equal(noisy, x)
    tokens = torch.ones(3, 5, dtype=torch.int64)
    assert augment_batch(tokens, {"noise": 0.5}, None) is tokens


def test_without_generator():
    out = augment_batch(batch(), {"hflip": True, "noise": 0.01}, None)
    assert out.shape == (8, 1, 6, 10)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensors_with_a_cpu_generator():
    x = batch(c=3).cuda()
    out = augment_batch(x, {"hflip": True, "rotate_deg": 10, "shift_px": 1, "noise": 0.05},
                        torch.Generator().manual_seed(0))
    assert out.is_cuda and out.shape == x.shape
    cpu = augment_batch(batch(c=3), {"hflip": True, "rotate_deg": 10, "shift_px": 1, "noise": 0.05},
                        torch.Generator().manual_seed(0))
    assert torch.allclose(out.cpu(), cpu, atol=1e-5)
