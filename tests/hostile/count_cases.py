"""Prints the hostile-input battery's cases counted by entry point and expected outcome, as a markdown table for
docs/reliability.md.  Run:  .venv/bin/python tests/hostile/count_cases.py [--list]"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from battery_cases import CASES, MEMORY_CASES  # noqa: E402

KINDS = ["refused", "warned", "accepted", "exits 0", "exits 2", "exits 3", "memory"]


def outcome(case) -> str:
    return f"exits {case.expect.status}" if case.expect.kind == "exits" else case.expect.kind


def main() -> None:
    counts = Counter((c.entry, outcome(c)) for c in CASES)
    counts.update((c.entry, "memory") for c in MEMORY_CASES)
    entries = list(dict.fromkeys([c.entry for c in CASES] + [c.entry for c in MEMORY_CASES]))
    kinds = [k for k in KINDS if any(counts[(e, k)] for e in entries)]
    print("| entry point | " + " | ".join(kinds) + " | cases |")
    print("| --- | " + " | ".join("---:" for _ in kinds) + " | ---: |")
    for entry in entries:
        row = [counts[(entry, k)] for k in kinds]
        print(f"| {entry} | " + " | ".join(str(n) if n else "" for n in row) + f" | {sum(row)} |")
    totals = [sum(counts[(e, k)] for e in entries) for k in kinds]
    print("| **all** | " + " | ".join(str(n) for n in totals) + f" | **{sum(totals)}** |")
    if "--list" in sys.argv:
        for c in CASES:
            print(f"- {c.entry}: {c.name} -> {outcome(c)}")
        for c in MEMORY_CASES:
            print(f"- {c.entry}: {c.name} -> at most {c.limit_mib} MiB more")


if __name__ == "__main__":
    main()
