"""Image augmentation as batched tensor operations (CPU or CUDA), applied to training batches only.

Options (all optional): ``hflip`` / ``vflip`` (flip half of the images), ``rotate_deg`` (rotate each image by a
random angle in [-d, d]), ``shift_px`` (move each image by up to that many pixels each way), ``noise`` (add Gaussian
noise of that standard deviation). Rotation and shift are one affine resampling (bilinear, zero padding). Random
numbers come from ``generator`` (a `torch.Generator`, on any device) so a run can be repeated; inputs that are not
images (N, C, H, W) only get noise.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch


def _rand(shape, generator, device, dtype):
    import torch  # lazy

    gen_device = generator.device if generator is not None else device
    values = torch.rand(shape, generator=generator, device=gen_device, dtype=torch.float32)
    return values.to(device=device, dtype=dtype)


def _randn(shape, generator, device, dtype):
    import torch  # lazy

    gen_device = generator.device if generator is not None else device
    values = torch.randn(shape, generator=generator, device=gen_device, dtype=torch.float32)
    return values.to(device=device, dtype=dtype)


def augment_batch(x: torch.Tensor, options: dict, generator: torch.Generator | None = None) -> torch.Tensor:
    """A randomly changed copy of the batch ``x``, same shape, dtype and device."""
    import torch  # lazy
    import torch.nn.functional as F  # lazy

    if not options or x.numel() == 0 or not x.is_floating_point():
        return x
    out = x
    n = x.shape[0]
    device, dtype = x.device, x.dtype
    if x.dim() == 4:
        if options.get("hflip"):
            flip = _rand((n,), generator, device, dtype) < 0.5
            out = torch.where(flip[:, None, None, None], out.flip(-1), out)
        if options.get("vflip"):
            flip = _rand((n,), generator, device, dtype) < 0.5
            out = torch.where(flip[:, None, None, None], out.flip(-2), out)
        degrees = float(options.get("rotate_deg", 0) or 0)
        shift = float(options.get("shift_px", 0) or 0)
        if degrees > 0 or shift > 0:
            height, width = x.shape[-2], x.shape[-1]
            angle = (_rand((n,), generator, device, torch.float32) * 2 - 1) * math.radians(degrees)
            # shifts in pixels -> normalised coordinates (the grid spans 2 units over the image)
            tx = torch.round((_rand((n,), generator, device, torch.float32) * 2 - 1) * shift) * (2.0 / width)
            ty = torch.round((_rand((n,), generator, device, torch.float32) * 2 - 1) * shift) * (2.0 / height)
            cos, sin = torch.cos(angle), torch.sin(angle)
            aspect = height / width
            theta = torch.stack([
                torch.stack([cos, -sin * aspect, tx], dim=1),
                torch.stack([sin / aspect, cos, ty], dim=1),
            ], dim=1)
            grid = F.affine_grid(theta, list(out.shape), align_corners=False)
            out = F.grid_sample(out.float(), grid, mode="bilinear", padding_mode="zeros",
                                align_corners=False).to(dtype)
    noise = float(options.get("noise", 0) or 0)
    if noise > 0:
        out = out + _randn(tuple(out.shape), generator, device, dtype) * noise
    return out
