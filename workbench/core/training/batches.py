"""Feeding batches to the training loop.

Data that fits stays on the device as two tensors and each batch is a slice of a shuffled index (`DeviceBatches`):
no per-batch Python data loading, no collation. Data that does not fit streams from the dataset through a
`torch.utils.data.DataLoader` whose workers build whole batches and whose memory is pinned for the GPU
(`StreamedBatches`); outside the main thread (in the app, where forking a process that runs a GUI's threads can
deadlock the child) the batches are built by a few threads ahead of the loop instead (decoding and conversion
release the GIL), so a GPU is not starved on a large image folder. Both shuffle with the run's own generator, so a seeded run repeats exactly.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from workbench.core.device import memory_available

FIT_FRACTION = 0.5  # data may take up to this share of the free device (or system) memory to stay resident
CPU_FALLBACK_LIMIT = 4 * 1024 ** 3  # bytes, when the free system memory cannot be read


def split_bytes(dataset, split: str) -> int:
    """Bytes the split takes as model-ready tensors (float32, or int64 token ids) with its targets."""
    n = len(dataset.split_indices(split))
    per_sample = int(np.prod(dataset.input_shape)) * (8 if dataset.input_dtype == "int" else 4)
    target = 8 if dataset.task == "classification" else 4 * max(1, dataset.output_size)
    return n * (per_sample + target)


def fits_on_device(dataset, device, splits=("train", "val")) -> bool:
    """True when the splits, as tensors, take at most `FIT_FRACTION` of the free device memory (and, for a GPU,
    of the free system memory too, since they are converted on the CPU first)."""
    import torch  # lazy


    needed = sum(split_bytes(dataset, s) for s in splits)
    places = [torch.device("cpu")] + ([device] if device.type != "cpu" else [])
    for place in places:
        free = memory_available(place)
        limit = CPU_FALLBACK_LIMIT if free is None and place.type == "cpu" else \
            (FIT_FRACTION * free if free is not None else None)
        if limit is not None and needed > limit:
            return False
    return True


def batch_count(n: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single sample is dropped (BatchNorm cannot train on one sample)."""
    full, rest = divmod(n, batch_size)
    return full + (1 if rest > 1 or (rest == 1 and full == 0) else 0)


class DeviceBatches:
    """The whole split resident on the device; batches are index slices of a fresh permutation each epoch."""

    in_memory = True

    def __init__(self, x, y, batch_size: int, device, generator, memory_format=None, shard: tuple[int, int] = (0, 1)):
        self.x = x.to(device)
        if memory_format is not None and self.x.dim() == 4:
            self.x = self.x.contiguous(memory_format=memory_format)  # batches sliced from it keep the layout
        self.y = y.to(device)
        self.rank, self.world_size = shard  # each of `world_size` processes trains on its own share of the split
        self.total = int(self.y.shape[0])
        self.n = self.total // self.world_size  # samples per epoch of this process (the same on every process)
        self.batch_size = min(batch_size, self.n)
        self.batches_per_epoch = batch_count(self.n, self.batch_size)
        self.device = device
        self.generator = generator

    def epoch(self):
        import torch  # lazy

        order = torch.randperm(self.total, generator=self.generator)  # the same on every process (same seed)
        if self.world_size > 1:
            order = order[self.rank::self.world_size][:self.n]
        order = order.to(self.device, non_blocking=True)
        bs = self.batch_size
        for b in range(self.batches_per_epoch):
            idx = order[b * bs:(b + 1) * bs]
            yield self.x.index_select(0, idx), self.y.index_select(0, idx)


class _SplitBatches:
    """Map-style dataset whose item is a whole batch (a list of sample indices -> model-ready tensors)."""

    def __init__(self, dataset, indices: np.ndarray):
        self.dataset = dataset
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, positions):
        return self.dataset.batch(self.indices[np.asarray(positions, dtype=np.int64)])


def default_workers() -> int:
    """Loader processes for streamed data: up to 4, leaving a core free; none outside the main thread, because
    forking a process that runs a GUI's threads can deadlock the child (`default_threads` build them there)."""
    if threading.current_thread() is not threading.main_thread():
        return 0
    return min(4, max(0, (os.cpu_count() or 1) - 1))


def default_threads() -> int:
    """Threads that build streamed batches ahead of the loop when no loader process can be used: up to 4, at least
    one."""
    return min(4, max(1, (os.cpu_count() or 1) - 1))


PREFETCH_PER_THREAD = 2  # batches being built ahead of the loop, per thread


class StreamedBatches:
    """Batches converted on the fly by DataLoader workers, pinned for a GPU, moved to the device as they come."""

    in_memory = False

    def __init__(self, dataset, split: str, batch_size: int, device, generator, workers: int | None = None,
                 memory_format=None, shard: tuple[int, int] = (0, 1), seed: int = 0):
        from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, RandomSampler  # lazy

        indices = dataset.split_indices(split)
        rank, world_size = shard
        if world_size > 1:  # each process its own share of a shuffle that every process draws alike
            self.order = DistributedSampler(range(len(indices)), world_size, rank, shuffle=True, seed=seed,
                                            drop_last=True)
        else:
            self.order = RandomSampler(range(len(indices)), generator=generator)
        self.epochs_started = 0
        self.n = len(self.order)
        self.batch_size = min(batch_size, self.n)
        self.batches_per_epoch = batch_count(self.n, self.batch_size)
        self.device = device
        self.memory_format = memory_format
        self.threads = 0
        if workers is None:
            workers = default_workers()
            if threading.current_thread() is not threading.main_thread():
                self.threads = default_threads()
        self.sampler = BatchSampler(self.order, self.batch_size, drop_last=False)
        self.source = _SplitBatches(dataset, indices)
        self.loader = DataLoader(self.source, sampler=self.sampler, batch_size=None, num_workers=workers,
                                 pin_memory=device.type == "cuda", persistent_workers=workers > 0)

    def epoch(self):
        non_blocking = self.device.type == "cuda"
        if hasattr(self.order, "set_epoch"):
            self.order.set_epoch(self.epochs_started)
        self.epochs_started += 1
        batches = self._prefetched() if self.threads else self.loader
        for b, (x, y) in enumerate(batches):
            if b >= self.batches_per_epoch:
                break
            x = x.to(self.device, non_blocking=non_blocking)
            if self.memory_format is not None and x.dim() == 4:
                x = x.contiguous(memory_format=self.memory_format)
            yield x, y.to(self.device, non_blocking=non_blocking)

    def _prefetched(self):
        """The epoch's batches, in the sampler's order, each built (and pinned for a GPU) by a thread ahead."""
        pin = self.device.type == "cuda"

        def build(positions):
            x, y = self.source[positions]
            return (x.pin_memory(), y.pin_memory()) if pin else (x, y)

        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="workbench-batches")
        order = iter(self.sampler)
        try:
            pending = deque(pool.submit(build, p) for _, p in zip(range(self.threads * PREFETCH_PER_THREAD), order))
            while pending:
                batch = pending.popleft().result()
                following = next(order, None)
                if following is not None:
                    pending.append(pool.submit(build, following))
                yield batch
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
