"""Colour only on a terminal (a real pty), never with NO_COLOR set, never in machine formats."""
import os
import pty
import subprocess
import sys

DRBD = '<configuration><resources><primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>' \
       "</resources></configuration>\n"
ESC = "\x1b["


def run_on_pty(tmp_path, *args, env=None):
    """Run the CLI with its stdout on a pseudo-terminal; return what it wrote there."""
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update(CRM_VE_DISABLE_PLUGIN_AUTOLOAD="1", **(env or {}))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "crm_ve", "check", "--select", "CV301", *args, str(path)],
                                stdout=slave, stderr=subprocess.PIPE, env=environment)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
    finally:
        os.close(master)
    assert proc.returncode == 0, proc.stderr.read()
    return b"".join(chunks).decode()


def test_colour_on_a_terminal(tmp_path):
    out = run_on_pty(tmp_path)
    assert f"{ESC}1;33mwarning{ESC}0m" in out


def test_no_colour_with_no_color(tmp_path):
    out = run_on_pty(tmp_path, env={"NO_COLOR": "1"})
    assert "warning" in out and ESC not in out


def test_empty_no_color_does_not_count(tmp_path):
    # no-color.org: "when present and not an empty string".
    assert ESC in run_on_pty(tmp_path, env={"NO_COLOR": ""})


def test_no_colour_in_machine_formats_on_a_terminal(tmp_path):
    for fmt in ("json", "sarif", "github"):
        out = run_on_pty(tmp_path, "--format", fmt)
        assert "CV301" in out and ESC not in out, fmt


def test_no_colour_into_a_pipe(tmp_path, crm_ve):
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    code, out, _ = crm_ve("check", "--select", "CV301", path)
    assert code == 0 and "[warning]" in out and ESC not in out
