"""One BLAS thread for the whole server.

The network's products are small (10,000 x 784 by 784 x 16 at most), and a server runs many sessions at once
on few cores: OpenBLAS's own threads then only fight each other and the other sessions. Measured here on a busy
2-core machine, a (10,000 x 16) @ (16 x 16) product cost 3.6 ms of CPU with OpenBLAS's default threads against
0.21 ms with one. The environment variable OPENBLAS_NUM_THREADS works only before NumPy is loaded, which
Streamlit does before app.py runs, so this asks NumPy's bundled OpenBLAS directly (as threadpoolctl does).
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np



def _openblas(suffix: str):
    """NumPy's OpenBLAS function ``..._{suffix}`` (set/get_num_threads), or None."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)  # already loaded by NumPy: this returns the same library
        except OSError:
            continue
        for name in (f"scipy_openblas_{suffix}64_", f"scipy_openblas_{suffix}", f"openblas_{suffix}"):
            if hasattr(lib, name):
                return getattr(lib, name)
    return None


def single_thread() -> bool:
    """Limit NumPy's OpenBLAS to one thread; False where no such OpenBLAS is found."""
    setter = _openblas("set_num_threads")
    if setter is None:
        return False
    setter(1)
    return True


def threads() -> int | None:
    """OpenBLAS's current thread count (None where it cannot be asked)."""
    getter = _openblas("get_num_threads")
    return int(getter()) if getter is not None else None
