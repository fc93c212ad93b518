"""A real reliefd as a child process on loopback, for the Python tests.

Mirrors tests/harness/reliefd_process.{h,cc}: a fresh temp directory

    <root>/data          the server's --data-dir (admin.token lands here)
    <root>/port          the --port-file the server writes when ready
    <root>/reliefd.log   the server's stdout and stderr, appended per start

start() runs `reliefd --data-dir <root>/data --listen 127.0.0.1:<port>
--port-file <root>/port` (port 0: an ephemeral one), waits (bounded) until
the port file holds a line, and reads the admin token. stop() is SIGTERM
and a clean exit (the server writes a snapshot); kill() is SIGKILL.
close() kills a running server and removes the directory (kept with
RELIEF_KEEP_TEST_DIRS=1); RELIEF_HARNESS_TRACE=1 prints how long each
start and stop took. The child gets SIGKILL if the test process dies
first (setpriv --pdeathsig), so no server outlives its test.

The binary: $RELIEFD if set, else $RELIEFD_BUILT (the one CMake built).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import List, Optional, Sequence

# How often a wait re-checks its condition. It only bounds how late we
# notice; it never stands in for a condition.
POLL_INTERVAL = 0.002


def _trace(what: str, since: float) -> None:
    if os.environ.get("RELIEF_HARNESS_TRACE"):
        print(f"[harness] {what} in {(time.monotonic() - since) * 1000:.0f} ms",
              file=sys.stderr, flush=True)


def default_reliefd_path() -> str:
    return os.environ.get("RELIEFD") or os.environ.get("RELIEFD_BUILT") or ""


class ReliefdError(RuntimeError):
    pass


class ReliefdProcess:
    def __init__(self, reliefd_path: Optional[str] = None,
                 extra_args: Sequence[str] = (), start_timeout: float = 30.0,
                 stop_timeout: float = 30.0) -> None:
        self.reliefd_path = reliefd_path or default_reliefd_path()
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.root_dir = tempfile.mkdtemp(prefix="relief-pytest-", dir="/tmp")
        self.data_dir = os.path.join(self.root_dir, "data")
        self.port_file = os.path.join(self.root_dir, "port")
        self.log_path = os.path.join(self.root_dir, "reliefd.log")
        os.mkdir(self.data_dir, 0o700)
        self.port = 0
        self.admin_token = ""
        self._process: Optional[subprocess.Popen] = None

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def admin_token_path(self) -> str:
        return os.path.join(self.data_dir, "admin.token")

    def start(self, port: int = 0) -> None:
        """port 0: a new ephemeral port; else that one (to restart a server
        where its clients expect it)."""
        if self.running:
            raise ReliefdError("already running")
        if not self.reliefd_path:
            raise ReliefdError("no reliefd binary: set $RELIEFD (or run "
                               "through ctest, which sets $RELIEFD_BUILT)")
        if not os.access(self.reliefd_path, os.X_OK):
            raise ReliefdError(f"reliefd binary {self.reliefd_path} is not "
                               "executable (build the reliefd target)")
        started = time.monotonic()
        try:
            os.remove(self.port_file)
        except FileNotFoundError:
            pass
        self.port = 0
        args: List[str] = [self.reliefd_path, "--data-dir", self.data_dir,
                           "--listen", f"127.0.0.1:{port}",
                           "--port-file", self.port_file] + self.extra_args
        launcher: List[str] = []
        setpriv = shutil.which("setpriv")
        if setpriv:
            launcher = [setpriv, "--pdeathsig", "KILL", "--"]
        with open(self.log_path, "ab") as log:
            log.write(("==== start: " + " ".join(args) + "\n").encode())
            log.flush()
            self._process = subprocess.Popen(
                launcher + args, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, close_fds=True)

        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                self._process = None
                raise ReliefdError(f"reliefd exited before it was ready "
                                   f"(status {code}); log:\n{self.log_tail()}")
            content = _read_text(self.port_file)
            if content and content.endswith("\n"):
                text = content.strip()
                if not text.isdigit() or not 0 < int(text) <= 65535:
                    self.kill()
                    raise ReliefdError(f"bad port file content {content!r}")
                self.port = int(text)
                break
            if time.monotonic() > deadline:
                self.kill()
                raise ReliefdError(
                    f"reliefd not ready within {self.start_timeout} s; "
                    f"log:\n{self.log_tail()}")
            time.sleep(POLL_INTERVAL)

        token = (_read_text(self.admin_token_path) or "").strip()
        if not token:
            self.kill()
            raise ReliefdError(f"server ready but no {self.admin_token_path}")
        if os.stat(self.admin_token_path).st_mode & 0o077:
            self.kill()
            raise ReliefdError(f"{self.admin_token_path} is readable by others")
        self.admin_token = token
        _trace(f"reliefd ready on port {self.port}", started)

    def _wait(self, timeout: float) -> int:
        assert self._process is not None
        code = self._process.wait(timeout=timeout)  # TimeoutExpired
        self._process = None
        return code

    def stop(self) -> None:
        """SIGTERM, then a clean exit within stop_timeout."""
        if not self.running:
            raise ReliefdError("not running")
        assert self._process is not None
        started = time.monotonic()
        self._process.send_signal(signal.SIGTERM)
        try:
            code = self._wait(self.stop_timeout)
            _trace("reliefd stopped (SIGTERM)", started)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ReliefdError(f"reliefd did not exit within "
                               f"{self.stop_timeout} s after SIGTERM; killed. "
                               f"Log:\n{self.log_tail()}")
        if code != 0:
            raise ReliefdError(f"reliefd stopped with status {code} after "
                               f"SIGTERM; log:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL, then wait (a crash)."""
        if not self.running:
            raise ReliefdError("not running")
        assert self._process is not None
        started = time.monotonic()
        self._process.kill()
        self._wait(self.stop_timeout)
        _trace("reliefd killed (SIGKILL)", started)

    def restart(self, same_port: bool = False, crash: bool = False) -> None:
        """Stop (or, with crash, kill) and start on the same data dir; with
        same_port on the port it had, so existing clients find it again."""
        port = self.port if same_port else 0
        if crash:
            self.kill()
        else:
            self.stop()
        self.start(port)

    def log_tail(self, max_lines: int = 40) -> str:
        text = _read_text(self.log_path) or ""
        return "\n".join(text.splitlines()[-max_lines:])

    def close(self) -> None:
        if self.running:
            self.kill()
        if not os.environ.get("RELIEF_KEEP_TEST_DIRS"):
            shutil.rmtree(self.root_dir, ignore_errors=True)

    def __enter__(self) -> "ReliefdProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


__all__ = ["ReliefdProcess", "ReliefdError", "default_reliefd_path"]
