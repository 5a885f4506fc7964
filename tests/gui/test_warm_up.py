"""Loading PyTorch and the plotting library in the background: the garbage collector is paused while it loads, then on again with what the
imports made frozen; a second warm-up changes nothing."""

import subprocess
import sys

SCRIPT = """
import gc, sys
from workbench.gui.warm_up import warm_up_job
assert 'torch' not in sys.modules and 'pyqtgraph' not in sys.modules
collections = []
gc.callbacks.append(lambda phase, info: collections.append(info['generation']) if phase == 'start' else None)
warm_up_job(None)
assert 'torch' in sys.modules and 'torch.optim' in sys.modules
assert 'pyqtgraph' in sys.modules  # the Train page's plots, loaded with it
assert gc.isenabled(), 'the collector must be on again'
frozen = gc.get_freeze_count()
assert frozen > 100_000, frozen
assert collections.count(2) == 0, collections.count(2)  # no full collection while the imports ran
warm_up_job(None)
assert gc.isenabled() and gc.get_freeze_count() == frozen
print('ok')
"""


def test_warm_up_imports_torch_without_full_collections_and_leaves_the_collector_on():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
