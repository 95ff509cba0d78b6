"""Timing helpers the benchmarks share."""
from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from pathlib import Path


def latency(fn, n, warmup=0):
    """The individual times of n calls of fn, in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) * 1e-9)
    return out


@contextlib.contextmanager
def tree(ref: str | None):
    """The app's folder to serve: this working tree (ref None), or a temporary copy of commit ``ref``.

    Several people edit the working tree at once; a committed state is consistent, so ``--ref HEAD`` measures
    code that is not half-saved. The copy is made with ``git archive`` (the repository is only read)."""
    root = Path(__file__).resolve().parent.parent
    if not ref:
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="bench-tree-") as tmp:
        archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", ref],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield Path(tmp)


def registry_pages(root: Path) -> list:
    """ui/registry.PAGES of the tree at ``root`` (the served copy's, which may differ from this one's)."""
    import importlib.util
    import sys
    name = f"bench_registry_{abs(hash(str(root)))}"
    spec = importlib.util.spec_from_file_location(name, root / "ui" / "registry.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.PAGES
