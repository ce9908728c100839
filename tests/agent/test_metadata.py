"""The agent's meta-data, usage and man-data, and what the file itself must be."""
import ast
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from support.agent_sites import AGENT, DTD_DIR, need_root, need_tool, run_agent


def meta_data_text(env=None):
    run = run_agent("meta-data", env or {})
    assert run.rc == 0, run
    return run.stdout


def test_meta_data_is_valid_against_the_ocf_dtd():
    xmllint = need_tool("xmllint")
    text = meta_data_text()
    assert text.splitlines()[1] == '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">'
    # as ocf-tester does it: in the DTD's directory, the DOCTYPE resolves there
    proc = subprocess.run([xmllint, "--noout", "--valid", "-"], input=text, text=True,
                          cwd=DTD_DIR, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([xmllint, "--noout", "--dtdvalid",
                           os.path.join(DTD_DIR, "ra-api-1.dtd"), "-"], input=text, text=True,
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_meta_data_describes_the_contract():
    root = ET.fromstring(meta_data_text())
    assert root.get("name") == "ManageVE"
    assert root.findtext("version") == "1.0"
    params = {p.get("name"): p for p in root.iter("parameter")}
    assert list(params) == ["veid", "dumpfile", "checkpoint_on_stop", "vzctl", "vz_conf",
                            "register_private"]
    veid = params["veid"]
    # unique=0 as upstream's: IDs are per host, so one cluster may run a CT 101 on each DRBD pair
    assert (veid.get("required"), veid.get("unique")) == ("1", "0")
    for name, param in params.items():
        content = param.find("content")
        assert content.get("type") in ("string", "boolean", "integer")
        if name != "veid":   # every optional parameter has a default
            assert param.get("required") == "0" and content.get("default") is not None, name
    assert params["checkpoint_on_stop"].find("content").get("default") == "false"
    assert params["vzctl"].find("content").get("default") == "/usr/sbin/vzctl"
    assert params["vz_conf"].find("content").get("default") == "/etc/vz/vz.conf"
    actions = [a.get("name") for a in root.iter("action")]
    assert actions == ["start", "stop", "monitor", "monitor", "migrate_to", "migrate_from",
                       "validate-all", "meta-data"]
    for action in root.iter("action"):
        assert action.get("timeout").endswith("s")


def test_texts_are_not_indented():
    """pcs and crmsh print longdesc verbatim: no indentation may leak into them."""
    root = ET.fromstring(meta_data_text())
    for element in root.iter():
        if element.tag in ("longdesc", "shortdesc"):
            text = element.text or ""
            assert text.strip() == text and text, element
            assert not any(line.startswith(" ") for line in text.splitlines())


def test_usage_lists_exactly_the_actions_of_the_meta_data():
    root = ET.fromstring(meta_data_text())
    advertised = list(dict.fromkeys(a.get("name") for a in root.iter("action")))
    run = run_agent("usage", {})
    assert run.rc == 0
    line = run.stdout.strip()
    assert line.startswith("usage: ManageVE {") and line.endswith("}")
    assert line[len("usage: ManageVE {"):-1].split("|") == advertised


def test_man_data_completes_the_meta_data():
    run = run_agent("man-data", {})
    assert run.rc == 0, run
    data = json.loads(run.stdout)
    root = ET.fromstring(meta_data_text())
    advertised = list(dict.fromkeys(a.get("name") for a in root.iter("action")))
    assert [a["name"] for a in data["actions"]] == advertised
    assert all(a["description"] for a in data["actions"])
    assert [a["name"] for a in data["hidden_actions"]] == ["status", "usage", "man-data"]
    assert data["usage"] == run_agent("usage", {}).stdout.strip()
    assert data["provider"] == "crm-ve"
    codes = [e["code"] for e in data["exit_status"]]
    assert codes == sorted(codes) and {0, 1, 5, 6, 7} <= set(codes)
    assert {e["tool"] for e in data["examples"]} == {"crm", "pcs"}
    assert all(f["path"] and f["description"] for f in data["files"])
    assert "vzctl(8)" in data["see_also"]


def test_meta_data_works_as_nobody_and_without_binaries():
    """ocf-tester's first steps: the agent must be runnable by anyone, and meta-data cannot
    fail even when every binary is missing."""
    need_root()
    mode = os.stat(AGENT).st_mode
    assert stat.S_IMODE(mode) == 0o755
    proc = subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", "%s meta-data" % AGENT],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == meta_data_text()
    assert meta_data_text({"OCF_TESTER_FAIL_HAVE_BINARY": "1"}) == proc.stdout


@pytest.mark.parametrize("argv, rc", [([], 2), (["notify"], 3),
                                      (["promote"], 3), (["reload"], 3), (["bogus"], 3)])
def test_wrong_calls(argv, rc):
    proc = subprocess.run([AGENT] + argv, capture_output=True, text=True, env={})
    assert proc.returncode == rc
    assert "usage: ManageVE {" in proc.stderr
    assert "Traceback" not in proc.stderr


LIBRARY = os.path.join(os.path.dirname(AGENT), "lib", "manage_ve")


def agent_sources():
    """The agent file and every module of its library: {path: text}."""
    paths = [AGENT] + sorted(os.path.join(LIBRARY, name) for name in os.listdir(LIBRARY)
                             if name.endswith(".py"))
    assert len(paths) > 2, paths
    sources = {}
    for path in paths:
        with open(path) as f:
            sources[path] = f.read()
    return sources


@pytest.mark.pypi   # vermin is not packaged in Debian
def test_shebang_and_python_36_compatibility():
    sources = agent_sources()
    assert sources[AGENT].startswith("#!/usr/bin/python3 -IS\n")
    vermin = os.path.join(os.path.dirname(sys.executable), "vermin")
    proc = subprocess.run([vermin, "-t=3.6-", "--no-tips", "--violations"] + list(sources),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_standard_library_only():
    """The agent imports the standard library, and its own library, which imports the agent's
    names from `ManageVE` (the agent registers itself under that name)."""
    imported = set()
    for source in agent_sources().values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    own = {"ManageVE", "manage_ve"}
    assert own <= imported and imported - own <= set(sys.stdlib_module_names), imported


def test_no_source_text_is_compiled_at_run_time():
    """Nothing in ra/ runs source text: no exec, compile or eval (nor runpy), by name or attribute."""
    ra = os.path.dirname(AGENT)
    every_file = {os.path.join(root, name) for root, dirs, names in os.walk(ra) for name in names
                  if "__pycache__" not in root}
    sources = agent_sources()
    assert every_file == set(sources), every_file ^ set(sources)
    for path, source in sources.items():
        called = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                called.add(getattr(node.func, "id", None) or getattr(node.func, "attr", None))
        assert not called & {"exec", "compile", "eval", "run_path", "run_module"}, (path, called)


# Short names the agent's code may bind: an exception (except ... as e), a file (with ... as f).
SHORT_NAMES_ALLOWED = {(ast.ExceptHandler, "e"), (ast.withitem, "f")}


def short_names(source):
    """(line, name) of every one-letter name (or `st`) bound in `source`: argument, assignment,
    loop, comprehension, with, except, attribute; but those SHORT_NAMES_ALLOWED."""
    tree = ast.parse(source)
    bound = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            bound.append((node, node.arg, node.lineno))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.append((node, node.name, node.lineno))
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            bound.append((node, node.optional_vars.id, node.optional_vars.lineno))
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            bound.append((node, getattr(node, "id", None) or node.attr, node.lineno))
    with_targets = {id(node.optional_vars) for node in ast.walk(tree) if isinstance(node, ast.withitem)}
    return [(line, name) for owner, name, line in bound
            if (len(name) == 1 or name == "st") and id(owner) not in with_targets
            and (type(owner), name) not in SHORT_NAMES_ALLOWED]


def test_no_short_names_for_what_the_agent_passes_around():
    """The agent, its parameters, a container status: named for what they are, never a, p, st."""
    found = {path: short_names(source) for path, source in agent_sources().items()}
    assert not any(found.values()), found


def test_the_short_name_check_finds_them():
    assert sorted(short_names("def run(a, p):\n    st = p\n    for s in a: q.x = s\n"
                              "with open('x') as g:\n    pass\n")) == [
        (1, "a"), (1, "p"), (2, "st"), (3, "s"), (3, "x"), (4, "g")]
    assert short_names("try:\n    pass\nexcept OSError as e:\n    pass\n"
                       "with open('x') as f:\n    pass\n") == []


def test_the_library_carries_the_agents_version():
    sources = agent_sources()
    versions = [ast.literal_eval(node.value) for path in (AGENT, os.path.join(LIBRARY, "__init__.py"))
                for node in ast.parse(sources[path]).body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "VERSION"]
    assert len(versions) == 2 and versions[0] == versions[1], versions


def test_monitor_imports_almost_nothing(world):
    """The monitor path loads only builtin modules: no os, json, xml, subprocess, re."""
    stub = os.path.join(world, "vzctl")
    with open(stub, "w") as f:
        f.write('#!/bin/sh\necho "CTID 101 exist mounted running"\n')
    os.chmod(stub, 0o755)
    env = {"OCF_RESKEY_veid": "101", "OCF_RESKEY_vzctl": stub, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(["/usr/bin/python3", "-IS", "-X", "importtime", AGENT, "monitor"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    baseline = subprocess.run(["/usr/bin/python3", "-IS", "-X", "importtime", "-c", "pass"],
                              capture_output=True, text=True).stderr
    startup = {line.rsplit("|", 1)[1].strip() for line in baseline.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert modules - startup <= {"select"}, modules - startup


def test_fork_path_for_python_without_posix_spawn(world):
    """Python 3.6 and 3.7 have no posix_spawn: the agent forks instead."""
    stub = os.path.join(world, "vzctl")
    with open(stub, "w") as f:
        f.write('#!/bin/sh\necho "CTID $2 exist mounted running"; echo warning >&2\n')
    os.chmod(stub, 0o755)
    code = ("import posix, runpy, sys; del posix.posix_spawn; sys.argv = [%r, 'monitor'];"
            "runpy.run_path(%r, run_name='__main__')" % (AGENT, AGENT))
    env = {"OCF_RESKEY_veid": "101", "OCF_RESKEY_vzctl": stub}
    assert subprocess.run(["/usr/bin/python3", "-IS", "-c", code], env=env).returncode == 0
    env["OCF_RESKEY_veid"] = "102"   # a wrong answer proves that the stub really ran
    with open(stub, "w") as f:
        f.write('#!/bin/sh\necho "CTID 101 exist mounted running"\n')
    proc = subprocess.run(["/usr/bin/python3", "-IS", "-c", code], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "reported container '101'" in proc.stderr
