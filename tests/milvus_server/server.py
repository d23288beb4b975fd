"""A real Milvus 2.3.5 standalone server (the ``milvus`` package's ``milvus-server``) for the tests, started only in
a loopback-only network namespace and always ended by process id with SIGKILL.

Why so careful: the server listens on every interface with no setting to change that, so it may run only where
the sole network interface is ``lo`` (``make milvus-test`` runs pytest under ``unshare -n`` after
``ip link set lo up``); and it ignores SIGTERM, while the ``milvus-server`` wrapper neither forwards a signal nor
notices its child (``bin/milvus run standalone``) dying. So ``kill()`` SIGKILLs the wrapper, every descendant it
found at start and every process still in the wrapper's own process group, each by its id.

Not a test module: the fixtures in ``conftest.py`` use it (and a person can, from a Python prompt in the namespace).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MILVUS_VERSION = "2.3.5"
PROXY_PORT = 19530
HEALTH_PORT = 9091  # the wrapper takes the first free port from 9091
HEALTH_URL = f"http://127.0.0.1:{HEALTH_PORT}/healthz"
# Strong-consistency searches wait for the proxy's next time tick: the default 200 ms made each one ~400 ms here,
# 20 ms makes it ~21 ms (README, "Running against Milvus").
EXTRA_CONFIG = ("proxy.timeTickInterval=20",)
START_TIMEOUT = 240.0  # seconds; the first start unpacks ~246 MB of binaries (~14 s on an idle machine)


def interfaces() -> list[str]:
    """The network interfaces of this process's network namespace.

    Read from ``/proc/self/net/dev``, not ``/sys/class/net``: sysfs shows the namespace of whoever mounted it, so
    after a bare ``unshare -n`` it still lists the host's ``eth0``; ``/proc/self/net`` is always this process's own.
    """
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines if ":" in line)


def loopback_works() -> bool:
    """Whether 127.0.0.1 carries a connection (``lo`` is down in a fresh namespace until ``ip link set lo up``)."""
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                return True
    except OSError:
        return False


def why_not_here() -> str | None:
    """None when a Milvus server may be started here, else the reason it may not (a skip reason)."""
    exe = server_executable()
    if exe is None:
        return f"the milvus=={MILVUS_VERSION} package (milvus-server) is not installed: `make milvus-test` installs it"
    names = interfaces()
    if names != ["lo"]:
        return (
            f"this process's network namespace has {', '.join(n for n in names if n != 'lo')} besides lo; the "
            "Milvus server listens on every interface, so it runs only in a loopback-only namespace "
            "(`make milvus-test` makes one with `unshare -n`)"
        )
    if not loopback_works():
        return "lo is down in this network namespace: run `ip link set lo up` first (`make milvus-test` does)"
    return None


def no_time_wait() -> None:
    """No TIME_WAIT sockets in this (loopback-only, throw-away) network namespace.

    Why: after a SIGKILL the server's side of each open connection lingers 60 s in TIME_WAIT, and the wrapper's
    port probe (a bind without SO_REUSEADDR) then fails and moves the server to other ports, 19530 included. The
    setting is per network namespace; the host's is untouched. Best effort: without it a quick restart may fail
    with ``_check_ports``'s sentence."""
    if interfaces() != ["lo"]:
        return  # never outside a loopback-only namespace
    with contextlib.suppress(OSError):
        Path("/proc/sys/net/ipv4/tcp_max_tw_buckets").write_text("0")


def server_executable() -> str | None:
    """``milvus-server`` beside this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "milvus-server"
    return str(beside) if beside.exists() else shutil.which("milvus-server")


def healthy(timeout: float = 2.0) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP proxy
    try:
        with opener.open(HEALTH_URL, timeout=timeout) as resp:
            return b"OK" in resp.read()
    except (OSError, urllib.error.URLError):
        return False


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc), children before grandchildren."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie, killed and waiting to be reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class MilvusServer:
    """One ``milvus-server --data DIR --proxy-port 19530`` process tree. ``start`` waits for health; ``kill``
    ends every process of it by id with SIGKILL (flushed data survives; a restart on the same ``data_dir``
    serves the same collections)."""

    def __init__(self, data_dir: Path, extra_config: tuple[str, ...] = EXTRA_CONFIG):
        self.data_dir = Path(data_dir)
        self.extra_config = extra_config  # ``--extra-config`` items (the server's milvus.yaml keys)
        self.uri = f"http://127.0.0.1:{PROXY_PORT}"
        self.wrapper: subprocess.Popen[bytes] | None = None
        self.pids: set[int] = set()  # every process id of the tree seen so far, the wrapper's included

    def start(self, timeout: float = START_TIMEOUT) -> None:
        reason = why_not_here()
        if reason is not None:
            raise RuntimeError(reason)
        if self.wrapper is not None:
            raise RuntimeError("this Milvus server is already running")
        if healthy(0.5):
            raise RuntimeError(
                f"something already answers {HEALTH_URL}: another Milvus server in this namespace?"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        no_time_wait()
        config = self.data_dir / "configs" / "milvus.yaml"
        with contextlib.suppress(FileNotFoundError):
            config.unlink()  # written anew by this start, with the ports the wrapper chose
        argv = [str(server_executable()), "--data", str(self.data_dir), "--proxy-port", str(PROXY_PORT)]
        for item in self.extra_config:
            argv += ["--extra-config", item]
        log = open(self.data_dir / "milvus-server.out", "ab")  # noqa: SIM115 - the wrapper's output, kept
        try:
            # its own session and process group: the kill sweeps the group by its id, nothing else
            self.wrapper = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        finally:
            log.close()
        self.pids.add(self.wrapper.pid)
        deadline = time.monotonic() + timeout
        try:
            while not healthy():
                self._note_tree()
                self._check_ports(config)
                if self.wrapper.poll() is not None:
                    raise RuntimeError(f"milvus-server exited ({self.wrapper.returncode}): {self.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Milvus was not healthy after {timeout:.0f} s: {self.log_tail()}")
                time.sleep(0.2)
            self._note_tree()
        except BaseException:
            self.kill()
            raise

    def _check_ports(self, config: Path) -> None:
        """The wrapper probes each port with a plain bind and silently takes the next free one when it fails; a
        server that is not on 19530 (proxy) and 9091 (health) is refused at once, not waited for."""
        try:
            text = config.read_text()
        except FileNotFoundError:
            return
        match = re.search(r"^proxy:\n(?:[ #].*\n|\n)*?  port: (\d+)", text, re.M)
        if match and int(match.group(1)) != PROXY_PORT:
            raise RuntimeError(f"milvus-server chose port {match.group(1)}, not {PROXY_PORT}: was it busy?")
        for pid in descendants(self.wrapper.pid) if self.wrapper else []:
            with contextlib.suppress(OSError):
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                ports = [e.split(b"=", 1)[1] for e in environ if e.startswith(b"METRICS_PORT=")]
                if ports and int(ports[0]) != HEALTH_PORT:
                    raise RuntimeError(
                        f"milvus-server chose health port {ports[0].decode()}, not {HEALTH_PORT}"
                    )

    def _note_tree(self) -> None:
        if self.wrapper is not None:
            self.pids.update(descendants(self.wrapper.pid))

    def kill(self) -> None:
        """SIGKILL the wrapper, every descendant seen and whatever is left in its process group, by id; then
        wait until none of them runs."""
        if self.wrapper is None:
            return
        self._note_tree()
        for pid in sorted(self.pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.wrapper.pid, signal.SIGKILL)  # the group the wrapper leads (start_new_session)
        self.wrapper.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in self.pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in self.pids if _alive(pid)]
        self.wrapper = None
        self.pids.clear()
        if left:
            raise RuntimeError(f"Milvus processes {left} survived SIGKILL")

    @property
    def running(self) -> bool:
        return self.wrapper is not None

    def log_tail(self, n: int = 2000) -> str:
        parts = []
        for path in (self.data_dir / "milvus-server.out", self.data_dir / "logs" / "milvus-stderr.log"):
            with contextlib.suppress(OSError):
                parts.append(f"{path.name}: {path.read_text(errors='replace')[-n:]}")
        return " | ".join(parts) or "(no output)"
