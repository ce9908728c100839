"""Colour on a terminal (a real pty) or with FORCE_COLOR, never with NO_COLOR or TERM=dumb alone, never in machine
formats."""
from support import terminal_run

DRBD = '<configuration><resources><primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>' \
       "</resources></configuration>\n"
ESC = "\x1b["


def run_on_pty(tmp_path, *args, env=None):
    """Check a CIB with one warning with standard output on a terminal; return what it wrote there."""
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    code, out, err = terminal_run.run_on_pty("check", "--select", "CV301", *args, path, env=env)
    assert code == 0, err
    return out


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


def test_no_colour_on_a_dumb_terminal(tmp_path):
    out = run_on_pty(tmp_path, env={"TERM": "dumb"})
    assert "[warning]" in out and ESC not in out


def test_force_color_colours_a_dumb_terminal(tmp_path):
    assert f"{ESC}1;33mwarning{ESC}0m" in run_on_pty(tmp_path, env={"TERM": "dumb", "FORCE_COLOR": "1"})


def test_force_color_colours_a_pipe(tmp_path, crm_ve, monkeypatch):
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = crm_ve("check", "--select", "CV301", path)
    assert code == 0 and f"{ESC}1;33mwarning{ESC}0m" in out


def test_empty_force_color_does_not_count(tmp_path, crm_ve, monkeypatch):
    # force-color.org: "when present and not an empty string".
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    monkeypatch.setenv("FORCE_COLOR", "")
    code, out, _ = crm_ve("check", "--select", "CV301", path)
    assert code == 0 and "[warning]" in out and ESC not in out


def test_no_color_wins_over_force_color(tmp_path):
    # As pytest and CPython: NO_COLOR is the user's own choice; FORCE_COLOR is often set by a CI for everything.
    out = run_on_pty(tmp_path, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "[warning]" in out and ESC not in out


def test_force_color_never_colours_machine_formats(tmp_path, crm_ve, monkeypatch):
    path = tmp_path / "cib.xml"
    path.write_text(DRBD)
    monkeypatch.setenv("FORCE_COLOR", "1")
    for fmt in ("json", "sarif", "github"):
        code, out, _ = crm_ve("check", "--select", "CV301", "--format", fmt, path)
        assert code == 0 and "CV301" in out and ESC not in out, fmt
