"""Suite-wide set-up: headless Qt, user folders redirected so tests never touch the real ones, and a compression
method that a test can declare for itself."""

import os
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.mkdtemp(prefix="workbench-tests-")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[var] = os.path.join(_home, var.lower())


def _copy_candidate(method, tm, amount, epochs, student_graph, progress, threads):
    """A test method's builder: the trained network itself, as a variant of its own."""
    from workbench.core.compression.candidate import Candidate, fp32_model

    return Candidate("", method.name, amount, fp32_model(tm.module, tm.graph), tm.graph, tm.module,
                     "A copy made by a test.")


@pytest.fixture
def temporary_method():
    """declare(**fields): a compression method registered for one test and removed after it. By default it copies
    the trained network, takes an amount (0.3 unless given) and must match it exactly."""
    from workbench.core.compression.methods import COMPRESSION_METHODS, CompressionMethod, register_method
    from workbench.core.compression.parity import ExactParity

    declared = []

    def declare(**fields):
        values = dict(name="test-copy", title="Test copy", hint="Copies the network; a method only tests know.",
                      card_note="Test copy: the trained network, copied by a test.", takes_amount=True,
                      default_amount=0.3, takes_epochs=False, parity=ExactParity(), make_candidate=_copy_candidate,
                      number_format=None, offered=True)
        values.update(fields)
        method = register_method(CompressionMethod(**values))
        declared.append(method.name)
        return method

    yield declare
    for name in declared:
        COMPRESSION_METHODS.pop(name, None)
