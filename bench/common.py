"""What the benchmarks share: timing, the app's server on a free port, MNIST or a clear exit, the tree served."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
# The same flags as the browser tests (tests/browser.py): without the background-networking ones Chromium's
# connections are refused by this machine's closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from src.infra import mnist  # noqa: E402


def machine() -> str:
    """One line on what the figures were measured on: Python, NumPy, usable CPUs, BLAS threads, load."""
    import platform

    import numpy as np
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return (f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, {cpus} CPUs, "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(not set)')}, load average {load}")


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


def load_mnist(split: str = "test", mnist_dir=None, allow_download=False):
    """(images, labels) of an MNIST split, or exit with the loader's own message (it says how to get MNIST)."""
    try:
        return mnist.load(split, mnist_dir, allow_download=allow_download)
    except mnist.MnistError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(1) from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def commit(ref: str | None = None) -> str:
    """The short hash of ``ref`` (HEAD by default), to name the code measured."""
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref or "HEAD"], capture_output=True,
                          text=True).stdout.strip()


class Server:
    """`streamlit run app.py` on 127.0.0.1:port, its output in a temporary file; a context manager that stops it
    and, when the body failed, prints the end of its output."""

    def __init__(self, port: int = 0, mnist_dir: str | None = None, options=(), root: Path = ROOT):
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = tempfile.TemporaryFile()
        extra = [a for o in options for a in (f"--{o.partition('=')[0]}", o.partition("=")[2])]
        env = {**os.environ, **({"MNIST_DIR": str(mnist_dir)} if mnist_dir else {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", HOST, "--browser.gatherUsageStats", "false",
             # no reloading of modules edited while it runs: the code measured is the code at the start
             "--server.fileWatcherType", "none", *extra],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_healthy(self, timeout=90.0) -> float:
        """Seconds until /_stcore/health answered; RuntimeError if the server dies or takes too long."""
        t0 = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                raise RuntimeError(f"streamlit did not start:\n{self.tail()}")
            time.sleep(0.1)

    def tail(self, n=3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()

    def __enter__(self):
        self.wait_healthy()
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None and not self.log.closed and self.tail().strip():
            print("server output:\n" + self.tail(), file=sys.stderr)
        self.stop()
