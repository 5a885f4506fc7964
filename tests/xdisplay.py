"""An X display of our own (Xvfb), for the journey tests and the start-up benchmark."""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """An Xvfb of our own on a free display numbered 100 or more, where other programs' displays are unlikely."""
    for _ in range(20):
        number = random.randrange(100, 900)
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        # -noreset: else the server resets whenever the last app quits, and the next one may find no display
        xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1440x900x24", "-nolisten", "tcp",
                                 "-noreset"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return xvfb, f":{number}"
            if xvfb.poll() is not None:
                break
            time.sleep(0.05)
        xvfb.kill()
    raise RuntimeError("could not start Xvfb")
