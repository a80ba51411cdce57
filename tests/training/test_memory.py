"""training/memory.py: after keep_freed_memory, big blocks come from malloc's heap and stay there when
freed (in a child process: it changes malloc for good)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CHILD = """
import ctypes, json, sys
import torch
from training.memory import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
kept = keep_freed_memory() if sys.argv[1] == "keep" else False
x = torch.ones(50_000_000)  # 200 MB
held = libc.mallinfo2()
del x
freed = libc.mallinfo2()
print(json.dumps({"kept": kept, "mmapped": held.hblkhd, "heap_after_free": freed.arena}))
"""


def _child(mode: str) -> dict[str, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
def test_freed_blocks_stay_in_the_heap_for_the_next_step() -> None:
    released, kept = _child("release"), _child("keep")
    size = 200_000_000
    # the default: a 200 MB block is a mapping of its own, unmapped when freed
    assert released["kept"] is False and released["mmapped"] >= size and released["heap_after_free"] < size
    # kept: it comes from the heap, which keeps it after the free (the next step reuses it)
    assert kept["kept"] is True and kept["mmapped"] < size and kept["heap_after_free"] >= size
