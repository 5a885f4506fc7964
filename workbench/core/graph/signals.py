"""The signal type the graph announces its changes with: psygnal's `Signal` where it is installed (the app and the
command line always have it), else a minimal stand-in with the same ``connect`` / ``disconnect`` / ``emit``, so that
the core and the command line also run where only the compute libraries are (a GPU machine checked with
packaging/gpu-check.sh)."""

from __future__ import annotations

try:
    from psygnal import Signal
except ImportError:
    class _Connections:
        """One object's connections to one signal."""

        def __init__(self):
            self.slots: list = []

        def connect(self, slot):
            self.slots.append(slot)
            return slot

        def disconnect(self, slot=None) -> None:
            if slot is None:
                self.slots.clear()
            elif slot in self.slots:
                self.slots.remove(slot)

        def emit(self, *args) -> None:
            for slot in list(self.slots):
                slot(*args)

    class Signal:  # type: ignore[no-redef]
        """A class attribute giving each instance its own `_Connections`."""

        def __init__(self, *types):
            self.types = types
            self.name = ""

        def __set_name__(self, owner, name: str) -> None:
            self.name = name

        def __get__(self, obj, objtype=None):
            if obj is None:
                return self
            key = f"_signal_{self.name}"
            connections = obj.__dict__.get(key)
            if connections is None:
                connections = obj.__dict__[key] = _Connections()
            return connections

__all__ = ["Signal"]
