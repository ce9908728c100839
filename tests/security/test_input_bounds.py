"""Issue 17 item 5: inputs with no end, no writer or no bound are refused or read within a size limit.

``/dev/zero`` (as a file or on standard input) and other devices and directories are refused; a FIFO with no
writer reads as empty input; pipes and FIFOs are read up to ``--max-input-size`` (256 MiB unless given), and
``crm-ve check <(...)`` keeps working. Every refusal is exit 2 and one line; the subprocess timeouts only stop a
hang from stalling the suite (a hang fails the test).
"""
import glob
import json
import os
import shlex
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crm_ve.reader import DEFAULT_MAX_INPUT
from support.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "examples" / "good-stack.xml"
BROKEN = ROOT / "examples" / "broken-stack.xml"
HANG = 120  # seconds after which a run that should end at once counts as hung


def crm_ve(*args, stdin=subprocess.DEVNULL, shell=None):
    env = dict(os.environ, CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-m", "crm_ve", *map(str, args)]
    if shell is not None:  # a bash command line that starts with crm-ve, for process substitution
        assert shell.startswith("crm-ve ")
        argv = ["bash", "-c", shlex.join(argv[:3]) + shell[len("crm-ve"):]]
    return subprocess.run(argv, stdin=stdin, capture_output=True, text=True, env=env, timeout=HANG)


def one_line(result):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-ve: ") and "Traceback" not in result.stderr
    return lines[0]


def test_dev_zero_as_a_file_is_refused():
    assert one_line(crm_ve("check", "/dev/zero")) == "crm-ve: /dev/zero: refused: a character device, not a CIB file"


def test_dev_zero_on_standard_input_is_refused():
    with open("/dev/zero", "rb") as zero:
        line = one_line(crm_ve("check", "-", stdin=zero))
    assert line == "crm-ve: <stdin>: refused: a character device, not a CIB file"


def test_other_devices_and_directories_are_refused(tmp_path):
    assert "refused: a character device" in one_line(crm_ve("check", "/dev/null"))
    assert one_line(crm_ve("check", tmp_path)) == f"crm-ve: {tmp_path}: cannot read: Is a directory"
    blocks = [path for path in glob.glob("/dev/loop*") + glob.glob("/dev/sd*") + glob.glob("/dev/vd*")
              if stat.S_ISBLK(os.stat(path).st_mode)]
    if not blocks:
        pytest.skip("no block device on this machine")
    assert "refused: a block device" in one_line(crm_ve("check", blocks[0]))


def test_a_fifo_with_no_writer_is_empty_input(tmp_path):
    fifo = tmp_path / "cib.fifo"
    os.mkfifo(fifo)
    assert "empty input" in one_line(crm_ve("check", fifo))


def test_a_fifo_with_a_writer_is_read_to_its_end(tmp_path):
    fifo = tmp_path / "cib.fifo"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as handle:  # blocks until crm-ve opens the FIFO for reading
            handle.write(BROKEN.read_bytes())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = crm_ve("check", "--format", "json", fifo)
    writer.join(HANG)
    assert result.returncode == 1 and '"CV102"' in result.stdout, result.stderr


def test_process_substitution_keeps_working():
    result = crm_ve(shell=f"crm-ve check <(cat {BROKEN})")
    assert result.returncode == 1 and "CV102" in result.stdout, result.stderr
    result = crm_ve(shell=f"crm-ve check <(cat {GOOD})")
    assert result.returncode == 0, result.stderr


def test_process_substitution_of_crm_text_is_read_as_crm_text():
    """What ``crm-ve check <(crm configure show)`` reads: crm shell text on a pipe with no suffix."""
    require_tools("crm", "cibadmin")
    result = crm_ve(shell=f"crm-ve check --format json <(cat {BROKEN.with_suffix('.crm')})")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert "CV102" in {f["code"] for f in findings}
    assert all(f["file"].startswith("/dev/fd/") and f["line"] for f in findings if f["code"] == "CV102")


def test_a_pipe_past_the_limit_is_refused_and_below_it_read(tmp_path):
    size = BROKEN.stat().st_size
    with open(BROKEN, "rb") as cib:
        line = one_line(crm_ve("check", "--max-input-size", str(size - 1), "-", stdin=cib))
    assert line == f"crm-ve: <stdin>: refused: larger than {size - 1} bytes, the input size limit (--max-input-size)"
    with open(BROKEN, "rb") as cib:
        assert crm_ve("check", "--max-input-size", str(size), "-", stdin=cib).returncode == 1
    assert "larger than 1024 bytes" in one_line(crm_ve("check", "--max-input-size", "1K", BROKEN))


def test_an_endless_pipe_stops_at_the_default_limit():
    source = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
    try:
        line = one_line(crm_ve("check", "-", stdin=source.stdout))
    finally:
        source.kill()
        source.wait()
    assert line == f"crm-ve: <stdin>: refused: larger than {DEFAULT_MAX_INPUT} bytes, the input size limit " \
                   "(--max-input-size)"
    assert DEFAULT_MAX_INPUT == 256 << 20


def test_a_bad_size_is_a_usage_error():
    assert "--max-input-size 0" in one_line(crm_ve("check", "--max-input-size", "0", GOOD))
    assert "--max-input-size lots" in one_line(crm_ve("check", "--max-input-size", "lots", GOOD))
