"""Run a finding's fix commands with the real crmsh (``CIB_file``) or pcs (``-f``) against a CIB file."""
import os
import shlex
import shutil
import subprocess

TIMEOUT = 120


def run_tool(argv, cib):
    """Run ``crm ...`` with CIB_file=cib or ``pcs ...`` with ``-f cib`` (no shell); return stdout."""
    env = dict(os.environ)
    if argv[0] == "pcs":
        argv = ["pcs", "-f", str(cib)] + argv[1:]
    else:
        env["CIB_file"] = str(cib)
    exe = shutil.which(argv[0])
    assert exe, f"{argv[0]} not installed"
    proc = subprocess.run([exe] + argv[1:], env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr}{proc.stdout}"
    return proc.stdout


def apply_fix(path, finding, tool):
    """Run ``finding``'s fix commands for ``tool`` ('crm' or 'pcs') on ``path``, in order, each as the shell
    command line it is printed as (``sh -c``): crm with ``CIB_file=path``, pcs with ``-f path``."""
    commands = finding.fix.crm if tool == "crm" else finding.fix.pcs
    assert commands, f"{finding.code} has no {tool} fix: {finding.message}"
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == tool or (argv[0] == "echo" and tool == "crm"), command
        if tool == "pcs":
            command = "pcs -f " + shlex.quote(str(path)) + command[len("pcs"):]
        proc = subprocess.run(["sh", "-c", command], env=dict(os.environ, CIB_file=str(path)), capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert proc.returncode == 0, f"{command} exited {proc.returncode}: {proc.stderr}{proc.stdout}"
