"""A real X display (Xvfb) with the app on it, driven by xdotool: the journey tests' hands and eyes.

`Screen` starts Xvfb on a free display, starts `app_with_locator.py` there with an empty HOME, and then offers
what a user does: `click("Train")`, `type_text(...)`, `key("ctrl+s")`, each a real X event from xdotool, and
`wait_for("Training finished")`, which asks the locator (the eyes) until the text is visible. `shot(name)` saves a
screenshot of the whole display.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.xdisplay import start_xvfb

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("app_with_locator.py")


class JourneyError(AssertionError):
    """What the user expected to see did not appear; the message lists what was on the screen instead."""


class Screen:
    def __init__(self, workdir: Path, shots: Path):
        self.workdir, self.shots = workdir, shots
        self.home = workdir / "home"
        self.home.mkdir(parents=True)
        self.opened_log = workdir / "xdg-open.log"
        bin_dir = workdir / "bin"  # xdg-open of our own: "Open folder" is recorded, not handed to a file manager
        bin_dir.mkdir()
        (bin_dir / "xdg-open").write_text(f'#!/bin/sh\necho "$@" >> "{self.opened_log}"\n')
        (bin_dir / "xdg-open").chmod(0o755)
        self.xvfb, self.display = start_xvfb()
        self.env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(self.home), "DISPLAY": self.display,
                    "LANG": "C.UTF-8", "XDG_RUNTIME_DIR": str(workdir), "QT_QPA_PLATFORM": "xcb"}
        self.socket_path = str(workdir / "locator.sock")
        self.app_log = open(workdir / "app.log", "wb")
        self.app = None
        self.shot_count = 0

    def launch(self, *args: str) -> None:
        self.app = subprocess.Popen([sys.executable, str(LAUNCHER), self.socket_path, *args], env=self.env,
                                    cwd=self.workdir, stdout=self.app_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not Path(self.socket_path).exists():
            if self.app.poll() is not None or time.monotonic() > deadline:
                raise JourneyError(f"the app did not start:\n{self.log_tail()}")
            time.sleep(0.05)

    def close(self) -> None:
        if self.app is not None and self.app.poll() is None:
            self.app.terminate()
            try:
                self.app.wait(10)
            except subprocess.TimeoutExpired:
                self.app.kill()
        self.xvfb.kill()
        self.app_log.close()

    def log_tail(self, lines: int = 40) -> str:
        if not self.app_log.closed:
            self.app_log.flush()
        return "\n".join((self.workdir / "app.log").read_text(errors="replace").splitlines()[-lines:])

    # --- the eyes ---------------------------------------------------------------------------------------------

    def texts(self) -> list[dict]:
        if self.app.poll() is not None:
            raise JourneyError(f"the app has quit (exit code {self.app.returncode}):\n{self.log_tail()}")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(120)
            conn.connect(self.socket_path)
            conn.sendall(b"texts\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        answer = json.loads(data)
        if isinstance(answer, dict):
            raise JourneyError(f"the locator failed: {answer['locator_error']}")
        return answer

    def find(self, text: str, kind: str | None = None, exact: bool = True, window: str | None = None,
             enabled: bool | None = True) -> dict | None:
        for entry in self.texts():
            if kind and entry["kind"] != kind:
                continue
            if window is not None and window not in entry["window"]:
                continue
            if enabled is not None and entry["kind"] != "window" and entry["enabled"] != enabled:
                continue
            if (entry["text"] == text) if exact else (text.lower() in entry["text"].lower()):
                return entry
        return None

    def wait_for(self, text: str, timeout: float = 30, **how) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            entry = self.find(text, **how)
            if entry is not None:
                return entry
            if time.monotonic() > deadline:
                seen = sorted({e["text"][:60] for e in self.texts() if e["kind"] != "item"})
                self.shot(f"missing-{text[:20]}")
                raise JourneyError(f"'{text}' ({how}) did not appear within {timeout} s; visible: {seen}")
            time.sleep(0.2)

    def wait_for_pattern(self, pattern: str, timeout: float = 30, kind: str | None = None) -> re.Match:
        """The first match of the regular expression `pattern` in a visible text, once there is one."""
        deadline = time.monotonic() + timeout
        while True:
            for entry in self.texts():
                if kind is None or entry["kind"] == kind:
                    found = re.search(pattern, entry["text"])
                    if found:
                        return found
            if time.monotonic() > deadline:
                self.shot("missing-pattern")
                raise JourneyError(f"nothing matching {pattern!r} appeared within {timeout} s")
            time.sleep(0.2)

    def wait_gone(self, text: str, timeout: float = 30, **how) -> None:
        deadline = time.monotonic() + timeout
        while self.find(text, **how) is not None:
            if time.monotonic() > deadline:
                raise JourneyError(f"'{text}' is still shown after {timeout} s")
            time.sleep(0.2)

    def shot(self, name: str) -> Path:
        self.shot_count += 1
        path = self.shots / f"{self.shot_count:02d}-{name.replace(' ', '-').replace('/', '-')}.png"
        subprocess.run(["import", "-display", self.display, "-window", "root", str(path)], check=True,
                       env=self.env, timeout=30)
        return path

    # --- the hands: real X events ------------------------------------------------------------------------------

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, env=self.env, timeout=30)

    def click_at(self, x: int, y: int, button: int = 1) -> None:
        self.xdotool("mousemove", "--sync", str(x), str(y))
        time.sleep(0.05)
        self.xdotool("click", str(button))
        time.sleep(0.15)

    def click(self, text: str, timeout: float = 30, button: int = 1, **how) -> dict:
        entry = self.wait_for(text, timeout, **how)
        self.click_at(entry["x"] + entry["w"] // 2, entry["y"] + entry["h"] // 2, button)
        return entry

    def double_click(self, text: str, timeout: float = 30, **how) -> dict:
        entry = self.wait_for(text, timeout, **how)
        self.xdotool("mousemove", "--sync", str(entry["x"] + entry["w"] // 2), str(entry["y"] + entry["h"] // 2))
        self.xdotool("click", "--repeat", "2", "--delay", "80", "1")
        time.sleep(0.15)
        return entry

    def type_text(self, text: str) -> None:
        self.xdotool("type", "--delay", "15", text)
        time.sleep(0.1)

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "60", *keys)
        time.sleep(0.15)
