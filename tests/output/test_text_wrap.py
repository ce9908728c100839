"""On a terminal (a real pty) the text report wraps to its width: each finding's message, then its resources,
its constraints and its fix on lines of their own, fix commands never broken. Into a pipe or a file the report
is never wrapped, whatever the width says: tools and logs parse it."""
import re
import shutil
from pathlib import Path

import pytest

from support.terminal_run import run_on_pty

BROKEN = Path(__file__).resolve().parents[2] / "examples" / "broken-stack.xml"
COMMAND_INDENT = " " * 8  # fix commands, under "fix (crm shell):" and "fix (pcs):"
ESC = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def cib(tmp_path):
    """A broken stack (errors with resources, constraints and fix commands), named briefly in the cwd."""
    shutil.copyfile(BROKEN, tmp_path / "cib.xml")
    return tmp_path


def on_terminal(cib, columns, env=None):
    code, out, err = run_on_pty("check", "cib.xml", columns=columns, env=env, cwd=cib)
    assert code == 1, err
    return ESC.sub("", out)


def into_a_pipe(cib, crm_ve, monkeypatch, columns="40"):
    monkeypatch.chdir(cib)
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = crm_ve("check", "cib.xml")
    assert code == 1
    return out


def commands(text):
    return [line for line in text.splitlines() if line.startswith(COMMAND_INDENT)]


def test_lines_fit_the_terminal(cib, crm_ve, monkeypatch):
    piped = into_a_pipe(cib, crm_ve, monkeypatch)
    assert any(len(line) > 60 for line in piped.splitlines() if not line.startswith(COMMAND_INDENT))
    out = on_terminal(cib, 60)
    assert [line for line in out.splitlines() if len(line) > 60 and not line.startswith(COMMAND_INDENT)] == []


def test_fix_commands_stay_whole(cib, crm_ve, monkeypatch):
    piped = into_a_pipe(cib, crm_ve, monkeypatch)
    assert any(len(command) > 60 for command in commands(piped))
    assert commands(on_terminal(cib, 60)) == commands(piped)


def test_wrapping_loses_no_word(cib, crm_ve, monkeypatch):
    piped = into_a_pipe(cib, crm_ve, monkeypatch).replace("; constraints: ", " constraints: ")
    assert on_terminal(cib, 60).split() == piped.split()


def test_message_first_then_resources_and_constraints_on_lines_of_their_own(cib):
    out = on_terminal(cib, 60)
    head = out.index("cib.xml:57: CV101 filesystem-not-with-promoted-drbd [error]")
    assert "\n    resources: p_fs_vz, ms_drbd_r0\n    constraints: c_fs_vz_on_drbd\n    fix (crm shell):\n" \
        in out[head:]
    assert out.splitlines()[-1] == "3 errors, 1 warning, 0 infos in 1 file."


def test_continuation_lines_are_indented(cib):
    lines = on_terminal(cib, 60).splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("cib.xml:22: CV104 "))
    end = lines.index("    resources: p_ve101, p_fs_vz", head)
    assert end - head > 2 and all(line.startswith("    ") and line[4] != " " for line in lines[head + 1:end])


def test_columns_wins_over_the_terminal_size(cib):
    out = on_terminal(cib, 200, env={"COLUMNS": "50"})
    assert [line for line in out.splitlines() if len(line) > 50 and not line.startswith(COMMAND_INDENT)] == []


def test_a_narrow_terminal_still_gets_a_few_words_a_line(cib):
    lines = [line for line in on_terminal(cib, 12).splitlines() if not line.startswith(COMMAND_INDENT)]
    assert max(map(len, lines)) <= 40  # wrapped as if 40 columns wide
    assert sum(len(line.split()) for line in lines) / len(lines) > 3


def test_a_pipe_is_never_wrapped(cib, crm_ve, monkeypatch):
    out = into_a_pipe(cib, crm_ve, monkeypatch, columns="40")
    assert "\n    resources: p_fs_vz, ms_drbd_r0; constraints: c_fs_vz_on_drbd\n" in out
    assert re.search(r"^cib\.xml:22: CV104 container-not-after-filesystem \[error\] p_ve101 is not ordered after "
                     r"p_fs_vz:start .* while it is unmounted\.$", out, re.MULTILINE)


def test_force_color_into_a_pipe_does_not_wrap(cib, crm_ve, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    colored = into_a_pipe(cib, crm_ve, monkeypatch)
    monkeypatch.delenv("FORCE_COLOR")
    assert colored != into_a_pipe(cib, crm_ve, monkeypatch)
    assert ESC.sub("", colored) == into_a_pipe(cib, crm_ve, monkeypatch)
