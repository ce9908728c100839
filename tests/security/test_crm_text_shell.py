"""Issue 17 item 1: checking crm shell text never runs a shell command written in it.

crmsh 4.4 hands the agent of every primitive, rsc_template and xml statement to ``sh -c "crm_resource
--show-metadata NAME"``. Every statement form and agent class is tried with a payload that would create a marker
file, on a file, on standard input and through the pre-commit hook; the marker must never appear. Layer 1 (the
allow-list) refuses each with one ``FILE:LINE`` line and exit 2; layer 2 (crmsh run by crm_ve.crmsh_launcher, no
shell) is driven directly, without layer 1, and must hold alone. A control shows the payloads are live: plain
``crm`` on the same text does create the marker.
"""
import os
import subprocess
import sys

import pytest

from crm_ve.crm_text import crm_text_to_cib
from crm_ve.crm_text_guard import normalise_line_ends
from crm_ve.crmsh_launcher import ArgvOnlyPopen, argv_of
from gate.test_pre_commit import _git, hook_repo, pre_commit, pre_commit_env, use_hooks  # noqa: F401
from support.inprocess_cli import crm_ve  # noqa: F401
from support.plugin_dist import run_crm_ve
from support.tools import require_tools

#: Lines above the hostile statement, so the refusal must name the statement's own line (3).
PREAMBLE = "# a cluster\nprimitive p_ok ocf:heartbeat:Dummy\n"
HOSTILE_LINE = 3

#: Shell payloads: a command after ';', a command substitution, backticks.
PAYLOADS = (";touch {marker};#", "$(touch {marker})", "`touch {marker}`")

#: Every statement form that carries an agent, template or id to crmsh (payload written as {p}).
FORMS = {
    "ocf-type": 'primitive p_x "ocf:heartbeat:Dummy{p}"',
    "ocf-provider": 'primitive p_x "ocf:heart{p}:Dummy"',
    "type-only": 'primitive p_x "Dummy{p}"',
    "stonith": 'primitive p_x "stonith:fence_dummy{p}"',
    "lsb": 'primitive p_x "lsb:cron{p}"',
    "systemd": 'primitive p_x "systemd:cron{p}"',
    "service": 'primitive p_x "service:cron{p}"',
    "nagios": 'primitive p_x "nagios:check_tcp{p}"',
    "heartbeat": 'primitive p_x "heartbeat:IPaddr{p}"',
    "upstart": 'primitive p_x "upstart:cron{p}"',
    "class": 'primitive p_x "oc{p}:heartbeat:Dummy"',
    "continued": 'primitive p_x \\\n    "ocf:heartbeat:Dummy{p}"',
    "upper-case": 'PRIMITIVE p_x "ocf:heartbeat:Dummy{p}"',
    "rsc_template": 'rsc_template t_x "ocf:heartbeat:Dummy{p}"',
    "template-reference": 'primitive p_x "@t_x{p}"',
    "primitive-id": 'primitive "p_x{p}" ocf:heartbeat:Dummy',
    "group-member": 'group g_x p_ok "p{p}"',
    "xml-primitive": "xml <primitive id=\"p_x\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy{p}\"/>",
    "xml-provider": "xml <primitive id=\"p_x\" class=\"ocf\" provider=\"heart{p}\" type=\"Dummy\"/>",
    "xml-class": "xml <primitive id=\"p_x\" class=\"ocf{p}\" provider=\"heartbeat\" type=\"Dummy\"/>",
    "xml-template": "xml <template id=\"t_x\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy{p}\"/>",
    "xml-in-group": "xml <group id=\"g_x\"><primitive id=\"p_x\" class=\"ocf\" provider=\"heartbeat\" "
                    "type=\"Dummy{p}\"/></group>",
    "xml-upper-case": "XML '<primitive id=\"p_x\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy{p}\"/>'",
}
#: The forms crmsh 4.4 would hand to a shell (layer 2 is tried on these without layer 1).
SHELL_FORMS = ("ocf-type", "ocf-provider", "type-only", "stonith", "lsb", "systemd", "nagios", "class",
               "rsc_template", "xml-primitive", "xml-template", "xml-in-group")


def hostile_text(form, payload, marker):
    return PREAMBLE + FORMS[form].format(p=payload.format(marker=marker)) + "\n"


def assert_refused(result_code, err, name):
    lines = err.strip().splitlines()
    assert result_code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"crm-ve: {name}:{HOSTILE_LINE}: refused before crmsh ran: "), err


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_in_a_file_is_refused_before_crmsh_runs(form, payload, tmp_path, crm_ve):
    marker = tmp_path / "PWNED"
    path = tmp_path / "hostile.crm"
    path.write_text(hostile_text(form, payload, marker))
    code, out, err = crm_ve("check", path)
    assert_refused(code, err, path)
    assert out == "" and not marker.exists()


@pytest.mark.parametrize("form", ("ocf-type", "xml-primitive", "rsc_template"))
def test_standard_input_is_refused_the_same_way(form, tmp_path):
    marker = tmp_path / "PWNED"
    result = run_crm_ve("check", "-", stdin=hostile_text(form, PAYLOADS[0], marker),
                        env={"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert_refused(result.returncode, result.stderr, "<stdin>")
    assert not marker.exists()


def test_plain_crm_text_still_converts(tmp_path, crm_ve):
    """Control for the refusals: the allow-list passes ordinary text of every agent class."""
    require_tools("crm", "cibadmin")
    path = tmp_path / "plain.crm"
    path.write_text(PREAMBLE + "primitive p_fence stonith:fence_dummy\nprimitive p_cron lsb:cron\n"
                    "rsc_template t_dummy ocf:heartbeat:Dummy\nprimitive p_t @t_dummy\n"
                    'xml <primitive id="p_raw" class="ocf" provider="heartbeat" type="Dummy"/>\n'
                    "group g p_ok p_raw\n")
    code, out, err = crm_ve("check", "--format", "json", path)
    assert code == 0, err


def layer_two_alone(text, scratch):
    """crmsh driven exactly as crm-ve drives it, without the allow-list in front."""
    text = normalise_line_ends(text)
    path = scratch / "config.crm"
    path.write_text(text)
    try:
        crm_text_to_cib(str(path), "hostile.crm", text)
    except Exception as exc:  # crmsh may refuse the agent: what matters is that nothing ran
        return exc
    return None


@pytest.mark.parametrize("form", SHELL_FORMS)
def test_layer_two_alone_runs_no_shell(form, tmp_path):
    require_tools("crm", "cibadmin")
    marker = tmp_path / "PWNED"
    for payload in PAYLOADS:
        layer_two_alone(hostile_text(form, payload, marker), tmp_path)
        assert not marker.exists(), (form, payload)


def test_control_plain_crmsh_runs_the_payload(tmp_path):
    """Without crm-ve's launcher the same text does run the command: the payloads above are live."""
    crm, cibadmin = require_tools("crm", "cibadmin")
    marker = tmp_path / "PWNED"
    text = tmp_path / "hostile.crm"
    text.write_text(hostile_text("ocf-type", PAYLOADS[0], marker))
    cib = tmp_path / "cib.xml"
    cib.write_text(subprocess.run([cibadmin, "--empty"], capture_output=True, text=True, check=True).stdout)
    subprocess.run([crm, "-F", "configure", "load", "update", str(text)], env=dict(os.environ, CIB_file=str(cib)),
                   capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert marker.exists()


def test_the_launcher_refuses_shell_syntax_and_runs_plain_words_as_argv(tmp_path):
    marker = tmp_path / "PWNED"
    for command in (f"crm_resource --show-metadata x;touch {marker}", f"echo $(touch {marker})",
                    f"echo `touch {marker}`", f"true > {marker}", "true\ntouch x"):
        with pytest.raises(OSError):
            argv_of(command)
        with pytest.raises(OSError):
            ArgvOnlyPopen(command, shell=True)
    assert argv_of("crm_resource --show-metadata ocf:heartbeat:Dummy") == [
        "crm_resource", "--show-metadata", "ocf:heartbeat:Dummy"]
    assert ArgvOnlyPopen(f"{sys.executable} --version", shell=True, stdout=subprocess.DEVNULL).wait() == 0
    assert not marker.exists()


def test_the_crm_text_hook_refuses_every_form(hook_repo, pre_commit_env, tmp_path):  # noqa: F811
    scratch = tmp_path / "repo"
    scratch.mkdir()
    _git("init", "-q", cwd=scratch)
    use_hooks(scratch, hook_repo, "crm-ve-check-crm")
    marker = tmp_path / "PWNED"
    for form in sorted(FORMS):
        name = f"{form}.crm"
        (scratch / name).write_text(hostile_text(form, PAYLOADS[0], marker))
        _git("add", "-A", cwd=scratch)
        proc = pre_commit("run", "crm-ve-check-crm", "--files", name, cwd=scratch, env=pre_commit_env)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "exit code: 2" in proc.stdout and "Traceback" not in proc.stdout
        assert f"crm-ve: {name}:{HOSTILE_LINE}: refused before crmsh ran" in proc.stdout, proc.stdout
        assert not marker.exists(), form
