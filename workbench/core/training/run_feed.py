"""Following a run that trains in another process (the app's run on several GPUs, which `torchrun` starts as child
processes): the run writes its progress to a feed file, one JSON line per report, and reads pause, resume and stop
from a control file.

`FeedWriter` is the `Callback` that writes the feed (only rank 0 has one); `FeedReader` reads the lines added
since it last looked and gives back the `FitInfo`, `ProgressInfo` and `EpochInfo` the run reported, so that the
app's listeners see the same reports as from a run in its own thread. `watch_control_file` keeps a `RunControl`
in step with the control file, which `write_control` changes atomically.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np

from workbench.core.training.callbacks import Callback, EpochInfo, FitInfo, ProgressInfo, RunControl

RUN, PAUSE, STOP = "run", "pause", "stop"
CONTROL_POLL_S = 0.1


class FeedWriter(Callback):
    """Writes each report of the run as a JSON line to `path` (appended and flushed at once, so that a reader sees
    whole lines). A feed that cannot be written is given up silently: it must not end the run."""

    def __init__(self, path):
        self.path = Path(path)
        self.stream = None

    def on_fit_start(self, trainer, info: FitInfo) -> None:
        self._write("start", asdict(info))

    def on_progress(self, trainer, info: ProgressInfo) -> None:
        fields = asdict(info)
        fields["batch_losses"] = [float(v) for v in info.batch_losses]
        self._write("progress", fields)

    def on_epoch_end(self, trainer, info: EpochInfo) -> None:
        self._write("epoch", asdict(info))

    def on_fit_end(self, trainer, result) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def _write(self, kind: str, fields: dict) -> None:
        try:
            if self.stream is None:
                self.stream = open(self.path, "a", encoding="utf-8")
            self.stream.write(json.dumps({"kind": kind, **fields}, allow_nan=True) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None


class FeedReader:
    """Reads a feed file as it grows; `new_reports` gives the reports written since the last call."""

    KINDS = {"start": FitInfo, "progress": ProgressInfo, "epoch": EpochInfo}

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0
        self.partial = b""

    def new_reports(self) -> list:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        reports = []
        for line in lines:
            fields = json.loads(line)
            kind = self.KINDS[fields.pop("kind")]
            if kind is ProgressInfo:
                fields["batch_losses"] = np.asarray(fields["batch_losses"], dtype=np.float32)
            reports.append(kind(**fields))
        return reports


def relay(report, callbacks) -> None:
    """Hands one report from `FeedReader` to the listeners, as the run in its own thread would."""
    method = {FitInfo: "on_fit_start", ProgressInfo: "on_progress", EpochInfo: "on_epoch_end"}[type(report)]
    for callback in callbacks:
        getattr(callback, method)(None, report)


def write_control(path, word: str) -> None:
    """Asks the run that watches `path` to run, pause or stop (`RUN`, `PAUSE`, `STOP`)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(word, encoding="utf-8")
    os.replace(temporary, path)


def watch_control_file(path, control: RunControl) -> threading.Event:
    """Keeps `control` in step with the word in `path` (checked ten times a second, in a daemon thread); returns
    the event that ends the watch when set."""
    done = threading.Event()
    path = Path(path)

    def watch():
        while not done.wait(CONTROL_POLL_S):
            try:
                word = path.read_text(encoding="utf-8").strip()
            except OSError:
                continue
            if word == STOP:
                control.stop()
                return
            if word == PAUSE and not control.paused:
                control.pause()
            elif word == RUN and control.paused:
                control.resume()

    threading.Thread(target=watch, name="run-control-file", daemon=True).start()
    return done
