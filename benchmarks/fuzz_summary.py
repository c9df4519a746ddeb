"""Count the inputs a fuzz run tried and their outcomes (see tests/core/test_fuzz.py)."""

import sys
from collections import Counter

counts = Counter(tuple(line.rstrip("\n").split("\t", 1)) for line in open(sys.argv[1]))
total = sum(counts.values())
print(f"{total} inputs")
for (kind, outcome), k in sorted(counts.items()):
    print(f"{k:7d}  {kind:6s} {outcome}")
