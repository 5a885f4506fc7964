"""Guards against PySide6 releases that corrupt reference counts (6.12.0 on Python 3.11 did: every Signal.emit
dropped a reference to True and every wrapped call returning None one to None, until the process died)."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QLabel

    class Emitter(QObject):
        fired = Signal(bool)

    app = QApplication([])
    emitter = Emitter()
    received = []
    emitter.fired.connect(received.append)
    label = QLabel()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(30_000):
        emitter.fired.emit(True)
        label.setText("x")  # wrapped call returning None
        label.update()
    received.clear()
    print(sys.getrefcount(None) - none_before, sys.getrefcount(True) - true_before)
""")


def test_signals_and_wrapped_calls_keep_reference_counts():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"PySide6 crashed after many signal emits (a known bad release?):\n{run.stderr}"
    none_drift, true_drift = map(int, run.stdout.split())
    assert abs(none_drift) < 1000, f"reference count of None drifted by {none_drift}"
    assert abs(true_drift) < 1000, f"reference count of True drifted by {true_drift}"
