"""Rehearse a workshop on several app servers: N Streamlit replicas of this app behind nginx, on one machine.

    python deploy/rehearse.py --replicas 2 --port 8080

Then open http://127.0.0.1:8080 (or this machine's address, with --host 0.0.0.0). Every replica shares one
database: DATABASE_URL (PostgreSQL) if set, else one SQLite file that all replicas on this machine open
(`VANILLA_DATA_DIR`, a temporary folder by default). On several machines use PostgreSQL. Ctrl-C stops all.
Needs nginx (Debian: apt-get install nginx).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if Path(p).exists()), None)


def free_port(host="127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def nginx_conf(run_dir: Path, host: str, port: int, replica_ports: list[int]) -> str:
    # max_fails=1: one refused connection takes a stopped replica out for fail_timeout, so its browsers move on
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in replica_ports)
    return (TEMPLATE.read_text().replace("@RUN_DIR@", str(run_dir)).replace("@LISTEN@", f"{host}:{port}")
            .replace("@SERVERS@", servers.lstrip()))


class Rehearsal:
    """N replicas and nginx; a context manager. ``url`` is the balancer's address, ``replicas`` the app servers'
    (port, process) pairs; ``stop_replica(i)`` stops one, as a crash would."""

    def __init__(self, replicas=2, port=0, host="127.0.0.1", env=None, log_dir=None):
        self.nginx_bin = nginx_binary()
        if self.nginx_bin is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        self.host, self.port = host, port or free_port()
        self.url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="vanilla-rehearsal-")
        self.run_dir = Path(self.tmp.name)
        self.log_dir = Path(log_dir) if log_dir else self.run_dir
        self.env = {**os.environ, **(env or {})}
        if not self.env.get("DATABASE_URL") and not self.env.get("VANILLA_DATA_DIR"):
            self.env["VANILLA_DATA_DIR"] = str(self.run_dir / "data")  # one SQLite file for every replica
        self.n = replicas
        self.replicas: list[tuple[int, subprocess.Popen]] = []
        self.nginx: subprocess.Popen | None = None

    def replica_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.replicas[i][0]}"

    def start(self, timeout=90.0):
        for i in range(self.n):
            p = free_port()
            log = open(self.log_dir / f"replica{i}.log", "wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(p), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            self.replicas.append((p, proc))
        for i in range(self.n):
            if not healthy(self.replica_url(i), timeout):
                raise RuntimeError(f"replica {i} did not start; its log: {self.log_dir / f'replica{i}.log'}")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / sub).mkdir(exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.run_dir, self.host, self.port, [p for p, _ in self.replicas]))
        self.nginx = subprocess.Popen([self.nginx_bin, "-p", str(self.run_dir), "-c", str(conf), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=open(self.run_dir / "nginx.out", "wb"))
        if not healthy(self.url, 15):
            raise RuntimeError(f"nginx did not start: {(self.run_dir / 'nginx.out').read_text()[-2000:]}")
        return self

    def stop_replica(self, i: int):
        proc = self.replicas[i][1]
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def stop(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for i in range(len(self.replicas)):
            self.stop_replica(i)
        self.tmp.cleanup()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2, help="app servers behind nginx (default 2)")
    ap.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    ap.add_argument("--host", default="127.0.0.1", help="nginx's address (0.0.0.0 to let others in)")
    args = ap.parse_args(argv)
    if not 1 <= args.replicas <= 16:
        ap.error("--replicas takes 1 to 16")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with Rehearsal(args.replicas, args.port, args.host, log_dir=tempfile.mkdtemp(prefix="vanilla-logs-")) as r:
        where = r.env.get("DATABASE_URL", "").split("@")[-1] or f"SQLite in {r.env['VANILLA_DATA_DIR']}"
        print(f"{r.n} replicas on ports {', '.join(str(p) for p, _ in r.replicas)} behind nginx at {r.url}")
        print(f"shared database: {where}; replica logs in {r.log_dir}. Ctrl-C stops everything.")
        try:
            while all(proc.poll() is None for _, proc in r.replicas) and r.nginx.poll() is None:
                time.sleep(1)
            print("a replica or nginx stopped; stopping the rest")
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
