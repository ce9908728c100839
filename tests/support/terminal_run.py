"""Run the ``crm-ve`` command with its standard output on a real pseudo-terminal (the ``pty`` module)."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

#: Variables of the test's own environment that would change colour or width under test.
STYLE_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM")


def run_on_pty(*args, env=None, columns=80, cwd=None):
    """``python -m crm_ve ARGS`` (in ``cwd``) on a terminal ``columns`` wide (TERM=xterm unless ``env`` says otherwise);
    return its exit code, what it wrote there (``\\r\\n`` as ``\\n``) and its standard error."""
    environment = {k: v for k, v in os.environ.items() if k not in STYLE_VARIABLES}
    environment.update({"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1", "TERM": "xterm", **(env or {})})
    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        proc = subprocess.Popen([sys.executable, "-m", "crm_ve", *map(str, args)],
                                stdout=slave, stderr=subprocess.PIPE, env=environment, cwd=cwd)
        os.close(slave)
        slave = None
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), err
