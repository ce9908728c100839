"""The keeper of the live test cluster: parent of corosync and pacemakerd, and the one that stops them.

:mod:`support.live_cluster` runs it as ``python3 cluster_keeper.py STATE_FILE`` in a session of its
own, so that signals sent to the test's process group do not reach the cluster.  It reads JSON
requests, one a line, on stdin and answers each with one JSON line on stdout:

``{"op": "save", "path": P}``
    move directory P aside (to ``P.crm-ve-saved``) and put an empty one with the same mode and
    owner in its place; P is moved back at teardown.
``{"op": "save", "path": P, "patterns": [...]}``
    the same for the files of P whose names match the glob patterns only (to a directory
    ``P.crm-ve-saved``): the CIB directory also holds crm_shadow's ``shadow.*`` files, which
    other tests may be using and which are left alone.
``{"op": "keep_attrs", "path": P}``
    restore P's mode and owner at teardown (pacemakerd chowns ``/var/lib/pacemaker``).
``{"op": "spawn", "argv": [...], "env": {...}, "log": L}``
    start a daemon (stdout and stderr to L); answers ``{"pid": N}``.
``{"op": "alive"}``
    answers ``{"alive": {pid: bool}}`` for the daemons it started.
``{"op": "stop"}``
    tear down, answer with what happened, exit.

End of input (the test process exited or was killed: its end of the pipe closes either way),
SIGTERM and SIGHUP also tear down.  Teardown: the daemons in reverse start order get SIGTERM
(pacemakerd then stops the resources and its sub-daemons) and SIGKILL after a grace period; then
every remaining descendant (the keeper is a child subreaper, so orphaned pacemaker-* daemons and
resource agents become its children) gets SIGTERM, then SIGKILL; then the saved directories are
put back and STATE_FILE is removed.

Standard library only: it must start fast and must not depend on the test environment.
"""
import ctypes
import fnmatch
import json
import os
import select
import shutil
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
SAVED_SUFFIX = ".crm-ve-saved"

#: Grace periods (seconds) after SIGTERM, by daemon name; pacemakerd stops every resource first.
GRACE = {"pacemakerd": 120.0, "corosync": 30.0}
DEFAULT_GRACE = 30.0
LEFTOVER_GRACE = 5.0


class _Stop(Exception):
    """Raised by the signal handlers to leave the request loop."""


def _prctl(option, value):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def _children(pid):
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return found


def _descendants(pid):
    out, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += _children(child)
    return out


class Keeper:
    def __init__(self, state_file):
        self.state_file = state_file
        self.daemons = []          # [(pid, name)] in start order
        self.exited = {}           # pid -> wait status, for every reaped child
        self.saved = []            # [(path, saved_path, patterns or None)]
        self.attrs = []            # [(path, mode, uid, gid)]
        self.report = {"daemons": [], "leftovers": [], "restored": [], "errors": []}

    # -------------------------------------------------------------- requests
    def handle(self, request):
        op = request.get("op")
        if op == "save":
            return self.save(request["path"], request.get("patterns"))
        if op == "keep_attrs":
            st = os.stat(request["path"])
            self.attrs.append((request["path"], st.st_mode & 0o7777, st.st_uid, st.st_gid))
            return {"ok": True}
        if op == "spawn":
            return self.spawn(request["argv"], request.get("env") or {}, request["log"])
        if op == "alive":
            self.reap()
            return {"alive": {str(pid): pid not in self.exited for pid, _ in self.daemons}}
        raise ValueError(f"unknown op {op!r}")

    def save(self, path, patterns=None):
        saved = path + SAVED_SUFFIX
        if os.path.lexists(saved):
            raise RuntimeError(f"{saved} already exists (left by an earlier run?): restore it by hand")
        st = os.stat(path)
        if patterns:
            os.mkdir(saved, 0o700)
            self.saved.append((path, saved, patterns))
            for name in _matching(path, patterns):
                os.rename(os.path.join(path, name), os.path.join(saved, name))
            return {"saved": saved}
        os.rename(path, saved)
        self.saved.append((path, saved, None))
        os.mkdir(path, st.st_mode & 0o7777)
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, st.st_mode & 0o7777)
        return {"saved": saved}

    def spawn(self, argv, env, log):
        full_env = dict(os.environ)
        full_env.update(env)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.setsid()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGHUP, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.execvpe(argv[0], argv, full_env)
            except BaseException as exc:  # noqa: BLE001 - report anything, then leave the child
                os.write(2, f"cluster_keeper: cannot run {argv[0]}: {exc}\n".encode())
            os._exit(127)
        os.close(fd)
        self.daemons.append((pid, os.path.basename(argv[0])))
        return {"pid": pid}

    # -------------------------------------------------------------- processes
    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.exited[pid] = status

    def _wait_gone(self, pids, timeout):
        deadline = time.monotonic() + timeout
        while True:
            self.reap()
            alive = [p for p in pids if p not in self.exited and os.path.exists(f"/proc/{p}")]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)

    @staticmethod
    def _signal(pid, sig):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def teardown(self):
        for pid, name in reversed(self.daemons):
            entry = {"pid": pid, "name": name, "already_exited": pid in self.exited}
            started = time.monotonic()
            if pid not in self.exited:
                self._signal(pid, signal.SIGTERM)
                if self._wait_gone([pid], GRACE.get(name, DEFAULT_GRACE)):
                    entry["killed"] = True
                    self._signal(pid, signal.SIGKILL)
                    self._wait_gone([pid], 10)
            entry["seconds"] = round(time.monotonic() - started, 2)
            status = self.exited.get(pid)
            entry["status"] = status
            self.report["daemons"].append(entry)
        # Whatever is left is ours: the keeper is a child subreaper, so every orphan of the
        # daemons became its child.
        for _ in range(5):
            self.reap()
            rest = _descendants(os.getpid())
            if not rest:
                break
            self.report["leftovers"] += [{"pid": p, "name": _comm(p)} for p in rest]
            for p in rest:
                self._signal(p, signal.SIGTERM)
            for p in self._wait_gone(rest, LEFTOVER_GRACE):
                self._signal(p, signal.SIGKILL)
            self._wait_gone(rest, 10)
        self.restore()
        if not _descendants(os.getpid()) and not self.report["errors"]:
            try:
                os.unlink(self.state_file)
            except FileNotFoundError:
                pass

    def restore(self):
        for path, saved, patterns in reversed(self.saved):
            try:
                restore_saved(path, saved, patterns)
                self.report["restored"].append(path)
            except OSError as exc:
                self.report["errors"].append(f"cannot restore {path} from {saved}: {exc}")
        for path, mode, uid, gid in self.attrs:
            try:
                os.chown(path, uid, gid)
                os.chmod(path, mode)
            except OSError as exc:
                self.report["errors"].append(f"cannot restore owner/mode of {path}: {exc}")


def _matching(directory, patterns):
    return [name for name in os.listdir(directory)
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)]


def restore_saved(path, saved, patterns=None):
    """Put back what :meth:`Keeper.save` moved aside (also used after a killed keeper)."""
    if patterns:
        for name in _matching(path, patterns):
            victim = os.path.join(path, name)
            if os.path.isdir(victim) and not os.path.islink(victim):
                shutil.rmtree(victim)
            else:
                os.unlink(victim)
        for name in os.listdir(saved):
            os.rename(os.path.join(saved, name), os.path.join(path, name))
        os.rmdir(saved)
        return
    if os.path.lexists(path):
        shutil.rmtree(path)
    os.rename(saved, path)


def _answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _raise_stop(*_):
    raise _Stop()


def main(argv):
    state_file = argv[1]
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keeper = Keeper(state_file)
    stop_requested = False
    try:
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGHUP, _raise_stop)
        buf = b""
        while True:
            ready, _, _ = select.select([0], [], [], 0.5)
            keeper.reap()
            if not ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                break  # the test process is gone
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                request = json.loads(line)
                if request.get("op") == "stop":
                    stop_requested = True
                    raise _Stop()
                try:
                    _answer(keeper.handle(request))
                except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller
                    _answer({"error": f"{type(exc).__name__}: {exc}"})
    except (_Stop, BrokenPipeError, OSError, ValueError):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        keeper.teardown()
    if stop_requested:
        try:
            _answer(keeper.report)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
