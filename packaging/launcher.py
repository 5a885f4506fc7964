"""The frozen app's entry point (PyInstaller's script): `Workbench` opens the app, `Workbench COMMAND ...` runs the
same headless commands as `workbench` from a checkout. freeze_support() lets DataLoader worker processes start from
the frozen executable where processes are spawned (Windows, macOS)."""

import multiprocessing
import sys

from workbench.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
