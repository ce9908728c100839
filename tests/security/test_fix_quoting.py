"""Issue 17 item 2: printed fixes are safe to paste into a POSIX shell and mean what they say to crmsh and pcs.

Reproducer: a node named ``n2;touch /tmp/x;#`` (crm_verify accepts it) gave
``pcs constraint location p_ve102 prefers n2;touch /tmp/x;#=0``; pasting it ran ``touch``.

Each case puts a hostile value (an id, node name, ticket, DRBD resource behind a Filesystem device, attribute
value) where a fix-producing rule copies it into its commands. The CIBs are built by the real crmsh and pcs;
the hostile value is written with cibadmin (crmsh refuses such names), an id with lxml (an id that is no XML
name is refused by the schema: crm-ve stops before any rule, and without a schema no tool gets a command).
Then:

* every command printed (JSON, text, github and SARIF print the same lines) is run by ``sh`` with ``crm`` and
  ``pcs`` stand-ins on PATH that record their argv: the argv holds the intended value as one word and
  nothing else runs (a marker file the values try to create never appears);
* the commands are run by the real crmsh (``CIB_file``) and pcs (``-f``) on a copy: the resulting CIB holds
  exactly the intended value where the fix puts it, and the finding is gone;
* a tool whose syntax cannot carry the value prints no command, and the finding's message says why.
"""
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Callable

import pytest
from lxml import etree

from support.inprocess_cli import crm_ve  # noqa: F401 (crm-ve run in-process)
from support.cib_build import (cibadmin, cibadmin_create, crm_load, empty_cib, pcs_run, reference_crm,
                               reference_pcs)
from support.ocf_install import manage_ve_agent  # noqa: F401 (ocf:crm-ve:ManageVE for the session)
from support.tools import require_tools

TOOLS = ("crm", "pcs")
MARKER = "PWNED"
#: values holding ; $( ) ` ' " \ space newline * (each tries to create MARKER in the working directory), an
#: option (pcs reads ``-f FILE`` anywhere in its argv) and letters outside ASCII
HOSTILE = (
    f"n2;touch {MARKER};#",
    f"n$(touch {MARKER})",
    f"n`touch {MARKER}`",
    f"n'2;touch {MARKER};'",
    f'n"2;touch {MARKER};"',
    f"n\\2;touch {MARKER}",
    f"n 2;touch {MARKER}",
    f"n2\ntouch {MARKER}",
    "n*",
    "n2(x)",
    "n2=0",
    f"-f{MARKER}",
    "nœud-é",
)
#: a plain value: both tools print their commands for it (the cases work at all)
PLAIN = ("node-3",)
#: values that both tools' syntax can carry in some cases and not in others, for the formats
FORMAT_VALUES = (f"n$(touch {MARKER}) x", f"n\\2;`touch {MARKER}`")
#: ids the schema accepts (XML names) that one tool or both cannot write: letters outside ASCII, a middle dot
ODD_IDS = ("l_é", "l·1", "_l.1-x")
#: ids the schema refuses (no XML name): crm-ve stops before any rule runs
REFUSED_IDS = tuple(v for v in HOSTILE if not re.fullmatch(r"[^\W\d][\w.·-]*", v))
TIMEOUT = 120
_ID_WORD = re.compile(r"^(id=|constraint-id=)?[\w.-]+$")


def _xml_attr(value):
    """``value`` as an XML attribute value (quotes, ampersands, newlines kept)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\t", "&#9;"))


def _modify(path, xml):
    cibadmin(path, "-M", "-X", xml)


# --------------------------------------------------------------------------------------------------- cases

@dataclass
class Case:
    """A hostile ``value`` put where rule ``code`` copies it into its fix.

    ``build(tool, path)`` makes the base CIB with the real tool; ``inject(path, value)`` writes the value with
    cibadmin; ``word(tool, value)`` is the argv word the fix must pass; ``applied(root, value)`` says whether
    the CIB after the fix holds the value where the fix puts it; ``values`` are those tried, and
    ``format_values`` those printed in every format."""

    name: str
    code: str
    build: Callable
    inject: Callable
    word: Callable
    applied: Callable
    needs_agent: bool = False
    values: tuple = HOSTILE + PLAIN
    format_values: tuple = FORMAT_VALUES


def _reference(tool, path, nodes=("node1", "node2"), crm_extra=(), pcs_extra=(), crm_changes=None,
               pcs_changes=None):
    empty_cib(path, nodes=nodes)
    if tool == "crm":
        crm_load(path, reference_crm(crm_extra, **(crm_changes or {})), force=True)
    else:
        for argv in reference_pcs(pcs_extra, **(pcs_changes or {})):
            pcs_run(path, *argv, force=True)
    return path


# CV403: the only other node is named by the value and no resource is enabled there (symmetric-cluster=false):
# the fix enables them with location constraints naming that node.
def _build_node(tool, path):
    _reference(tool, path, nodes=("node1",),
               crm_extra=("property symmetric-cluster=false", "location l_drbd ms_drbd_r0 100: node1",
                          "location l_fs p_fs 100: node1", "location l_ve p_ve 100: node1"),
               pcs_extra=(["property", "set", "symmetric-cluster=false"],
                          ["constraint", "location", "ms_drbd_r0", "prefers", "node1=100"],
                          ["constraint", "location", "p_fs", "prefers", "node1=100"],
                          ["constraint", "location", "p_ve", "prefers", "node1=100"]))


def _inject_node(path, value):
    cibadmin_create(path, "nodes", f'<node id="9" uname="{_xml_attr(value)}"/>')


def _applied_node(root, value):
    added = [loc for loc in root.iter("rsc_location") if loc.get("id", "").startswith("l_")
             and loc.get("node") != "node1"]
    return bool(added) and all(loc.get("node") == value and loc.get("score") == "0" for loc in added)


# CV201: a constraint names the DRBD primitive instead of its clone: the fix writes it again on the clone, with
# the value as written.
def _constraint(xml):
    """inject(path, value): ``xml`` (a constraint on p_drbd_r0, ``{value}`` in it) created with cibadmin."""
    return lambda path, value: cibadmin_create(path, "constraints", xml.format(value=_xml_attr(value)))


def _on_clone(cid, read):
    """applied(root, value): constraint ``cid`` names the clone and ``read(constraint)`` is the value."""
    def applied(root, value):
        found = root.xpath("//*[@id=$cid]", cid=cid)
        return len(found) == 1 and found[0].get("rsc") == "ms_drbd_r0" and read(found[0]) == value
    return applied


_inject_location = _constraint('<rsc_location id="l_child" rsc="p_drbd_r0" node="{value}" score="100"/>')
_applied_location = _on_clone("l_child", lambda found: found.get("node"))
# a rule comparing #uname with the value
_inject_rule = _constraint('<rsc_location id="l_rule" rsc="p_drbd_r0"><rule id="l_rule-r" score="100">'
                           '<expression id="l_rule-e" attribute="#uname" operation="eq" value="{value}"/>'
                           '</rule></rsc_location>')
_applied_rule = _on_clone("l_rule", lambda found: next(iter(found.xpath(".//expression/@value")), None)
                          if len(found.xpath(".//expression")) == 1 else None)
_inject_ticket = _constraint('<rsc_ticket id="tk_child" ticket="{value}" rsc="p_drbd_r0"/>')
_applied_ticket = _on_clone("tk_child", lambda found: found.get("ticket"))


# CV507 (device mismatch): the Filesystem mounts /dev/drbd/by-res/r9/0 while the clone it is tied to manages
# DRBD resource VALUE: the fix sets device=/dev/drbd/by-res/VALUE/0.
def _build_device(tool, path):
    _reference(tool, path, crm_changes={"p_fs": "primitive p_fs ocf:heartbeat:Filesystem params "
                                                "device=/dev/drbd/by-res/r9/0 directory=/vz fstype=ext4"},
               pcs_changes={"p_fs": ["resource", "create", "p_fs", "ocf:heartbeat:Filesystem",
                                     "device=/dev/drbd/by-res/r9/0", "directory=/vz", "fstype=ext4",
                                     "--no-default-ops"]})


def _inject_device(path, value):
    root = etree.fromstring(cibadmin(path, "-Q", "-o", "resources").encode())
    nvpair = root.xpath("//primitive[@id='p_drbd_r0']//nvpair[@name='drbd_resource']")[0]
    _modify(path, f'<nvpair id="{nvpair.get("id")}" name="drbd_resource" value="{_xml_attr(value)}"/>')


def _device(value):
    return f"/dev/drbd/by-res/{value}/0"


def _applied_device(root, value):
    devices = root.xpath("//primitive[@id='p_fs']//nvpair[@name='device']/@value")
    return devices == [_device(value)]


# CV502 (checkpoint off the Filesystem): ocf:crm-ve:ManageVE's dumpfile /tmp/VALUE is moved to /vz/VALUE.
def _build_dumpfile(tool, path):
    _reference(tool, path, crm_changes={"p_ve": "primitive p_ve ocf:crm-ve:ManageVE params veid=101 "
                                                "dumpfile=/tmp/Dump.101"},
               pcs_changes={"p_ve": ["resource", "create", "p_ve", "ocf:crm-ve:ManageVE", "veid=101",
                                     "dumpfile=/tmp/Dump.101", "--no-default-ops"]})


def _inject_dumpfile(path, value):
    root = etree.fromstring(cibadmin(path, "-Q", "-o", "resources").encode())
    nvpair = root.xpath("//primitive[@id='p_ve']//nvpair[@name='dumpfile']")[0]
    _modify(path, f'<nvpair id="{nvpair.get("id")}" name="dumpfile" value="/tmp/{_xml_attr(value)}"/>')


def _applied_dumpfile(root, value):
    return root.xpath("//primitive[@id='p_ve']//nvpair[@name='dumpfile']/@value") == [f"/vz/{value}"]


# CV701 (unknown parameter): the Filesystem's misspelt ``option=VALUE`` is renamed ``options``, the value kept.
def _inject_parameter(path, value):
    tree = etree.parse(path)
    block = tree.xpath("//primitive[@id='p_fs']/instance_attributes")[0]
    etree.SubElement(block, "nvpair", id="p_fs-instance_attributes-option", name="option", value=value)
    tree.write(path)


def _applied_parameter(root, value):
    pairs = root.xpath("//primitive[@id='p_fs']/instance_attributes/nvpair")
    return ([p.get("value") for p in pairs if p.get("name") == "options"] == [value]
            and not [p for p in pairs if p.get("name") == "option"])


# CV201 on a location whose own id is the value: the fix deletes it and writes it again with that id.
def _inject_id(path, value):
    """Written with lxml: cibadmin checks the schema, and crm-ve is to meet every id the schema may miss."""
    tree = etree.parse(path)
    etree.SubElement(tree.find("configuration/constraints"), "rsc_location", id=value, rsc="p_drbd_r0",
                     node="node1", score="100")
    tree.write(path)


def _applied_id(root, value):
    return _on_clone(value, lambda found: found.get("node"))(root, "node1")


CASES = (
    Case("node", "CV403", _build_node, _inject_node, lambda tool, v: v, _applied_node),
    Case("location-node", "CV201", _reference, _inject_location, lambda tool, v: v, _applied_location),
    Case("rule-value", "CV201", _reference, _inject_rule, lambda tool, v: v, _applied_rule),
    Case("ticket", "CV201", _reference, _inject_ticket, lambda tool, v: f"{v}:" if tool == "crm" else v,
         _applied_ticket),
    Case("device", "CV507", _build_device, _inject_device,
         lambda tool, v: _device(v) if tool == "crm" else f"device={_device(v)}", _applied_device),
    Case("dumpfile", "CV502", _build_dumpfile, _inject_dumpfile,
         lambda tool, v: f"/vz/{v}" if tool == "crm" else f"dumpfile=/vz/{v}", _applied_dumpfile,
         needs_agent=True),
    Case("parameter", "CV701", _reference, _inject_parameter,
         lambda tool, v: v if tool == "crm" else f"options={v}", _applied_parameter),
    Case("id", "CV201", _reference, _inject_id, lambda tool, v: v, _applied_id, values=ODD_IDS + PLAIN,
         format_values=ODD_IDS[:2]),
)
IDS = [case.name for case in CASES]


def _pairs(values_of):
    return [pytest.param(case, value, id=f"{case.name}-{value}") for case in CASES for value in values_of(case)]


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """bases(case, tool) -> the case's base CIB built once by the real ``tool``."""
    built = {}
    root = tmp_path_factory.mktemp("fix-quoting")

    def get(case, tool):
        require_tools("cibadmin", "crm_attribute", "crm_verify", tool)
        key = (case.name, tool)
        if key not in built:
            path = str(root / f"{case.name}-{tool}.xml")
            case.build(tool, path)
            built[key] = path
        return built[key]
    return get


@pytest.fixture
def agent(request):
    """The ManageVE agent for the cases whose commands pcs checks against it (root only: the others run
    without it)."""
    def get(case):
        if case.needs_agent:
            request.getfixturevalue("manage_ve_agent")
    return get


def _hostile_cib(bases, case, tool, value, directory):
    path = str(directory / f"{case.name}-{tool}.xml")
    shutil.copy(bases(case, tool), path)
    case.inject(path, value)
    if "\n" in value:
        _restore_newlines(path, value)
    return path


def _restore_newlines(path, value):
    """cibadmin stores a newline as the two characters ``\\n``: put the newline back, as a CIB file written
    by hand holds it (``&#10;``)."""
    escaped = value.replace("\n", "\\n")
    tree = etree.parse(path)
    for element in tree.iter():
        for key, text in element.attrib.items():
            if escaped in text:
                element.set(key, text.replace(escaped, value))
    tree.write(path)


def _check_json(crm_ve, path):
    """The report of ``crm-ve check --format json`` on ``path``."""
    code, out, err = crm_ve("check", path, "--format", "json")
    assert code in (0, 1), err
    return json.loads(out)


def _findings(document, code):
    return [f for f in document["findings"] if f["code"] == code]


def _the_finding(crm_ve, path, case):
    found = _findings(_check_json(crm_ve, path), case.code)
    assert found, f"{case.code} not reported on {path}"
    return found[0]


def _withheld_or_commands(finding, tool, value):
    """The tool's commands; when there are none, the message must say the tool's syntax cannot carry it."""
    commands = finding["fix"][tool]
    if not commands:
        assert f"No {tool} command: its syntax cannot carry" in finding["message"], finding["message"]
    return commands


# --------------------------------------------------------------------------------- stand-ins recording argv

_STUB = """#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done >> "$RECORD"
printf '\\n\\0' >> "$RECORD"
cat > /dev/null
"""


def _recorded(record):
    """argv lists the stand-ins recorded, in order."""
    if not os.path.exists(record):
        return []
    calls, current = [], []
    with open(record, encoding="utf-8") as fh:
        for field in fh.read().split("\0")[:-1]:
            if field == "\n":
                calls.append(current)
                current = []
            else:
                current.append(field)
    return calls


def _run_with_stubs(commands, tool, directory):
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("crm", "pcs"):
        stub = bin_dir / name
        stub.write_text(_STUB.replace("$RECORD", f'"$RECORD_{name}"'))
        stub.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin", RECORD_crm=str(directory / "crm.argv"),
               RECORD_pcs=str(directory / "pcs.argv"))
    for command in commands:
        proc = subprocess.run(["sh", "-c", command], cwd=directory, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert proc.returncode == 0, f"{command}: {proc.stderr}"
    assert not (directory / MARKER).exists(), f"a {tool} fix ran a command of its own: {commands}"
    other = "pcs" if tool == "crm" else "crm"
    assert _recorded(str(directory / f"{other}.argv")) == []
    return _recorded(str(directory / f"{tool}.argv"))


@pytest.mark.parametrize("case, value", _pairs(lambda case: case.values))
@pytest.mark.parametrize("tool", TOOLS)
def test_printed_fix_passes_one_word_and_runs_nothing_else(crm_ve, bases, case, tool, value, tmp_path):
    path = _hostile_cib(bases, case, tool, value, tmp_path)
    _runs_only_the_tools(_the_finding(crm_ve, path, case), case, value, tmp_path)


def _runs_only_the_tools(finding, case, value, directory):
    """Each tool's commands of ``finding`` (or the reason it has none), run by sh with the stand-ins."""
    for fix_tool in TOOLS:
        commands = _withheld_or_commands(finding, fix_tool, value)
        if not commands:
            continue
        work = directory / fix_tool
        work.mkdir()
        calls = _run_with_stubs(commands, fix_tool, work)
        assert len(calls) == len(commands), (commands, calls)
        assert any(case.word(fix_tool, value) in argv for argv in calls), (case.word(fix_tool, value), calls)
        for argv in calls:  # nowhere else, but in an id made from it (of XML id characters only)
            assert all(value not in word or word == case.word(fix_tool, value) or _ID_WORD.match(word)
                       for word in argv), argv


@pytest.mark.parametrize("value", REFUSED_IDS)
def test_id_the_schema_refuses_stops_the_check_and_gets_no_command(crm_ve, bases, value, tmp_path):
    """An id that is no XML name stops crm-ve before any rule runs (exit 2, no finding to paste from); in a
    CIB naming no schema (``validate-with="none"``) the rules run, and no tool gets a command carrying it."""
    case = next(c for c in CASES if c.name == "id")
    path = _hostile_cib(bases, case, "crm", value, tmp_path)
    code, out, err = crm_ve("check", path, "--format", "json")
    assert code == 2 and json.loads(out)["findings"] == [], (code, out, err)
    tree = etree.parse(path)
    tree.getroot().set("validate-with", "none")
    tree.write(path)
    _runs_only_the_tools(_the_finding(crm_ve, path, case), case, value, tmp_path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_plain_values_get_both_tools_commands(crm_ve, bases, case, tmp_path):
    """The cases do reach the command builders: a plain value gets a crm and a pcs fix."""
    path = _hostile_cib(bases, case, "pcs", PLAIN[0], tmp_path)
    finding = _the_finding(crm_ve, path, case)
    assert finding["fix"]["crm"] and finding["fix"]["pcs"], finding


def _printed_lines(output, out):
    """The lines a report in format ``output`` shows a person: github's messages unescaped."""
    if output != "github":
        return out.splitlines()
    lines = []
    for line in out.splitlines():
        message = line.split("::", 2)[2] if line.startswith("::") else line
        lines += message.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%").splitlines()
    return lines


@pytest.mark.parametrize("output", ("text", "github", "sarif"))
@pytest.mark.parametrize("case, value", _pairs(lambda case: case.format_values))
def test_every_format_prints_the_same_quoted_commands(crm_ve, bases, case, value, output, tmp_path):
    """Each command JSON prints is printed whole by the other formats (a line of its own in text and github,
    the same list in SARIF), and so is the reason a tool has none."""
    path = _hostile_cib(bases, case, "pcs", value, tmp_path)
    finding = _the_finding(crm_ve, path, case)
    code, out, err = crm_ve("check", path, "--format", output)
    assert code in (0, 1), err
    if output == "sarif":
        results = [r for run in json.loads(out)["runs"] for r in run["results"] if r["ruleId"] == case.code]
        assert [r["properties"]["fix"] for r in results if r["message"]["text"] == finding["message"]] == \
            [finding["fix"]], results
        return
    lines = [line.strip() for line in _printed_lines(output, out)]
    for tool in TOOLS:
        for command in finding["fix"][tool]:
            assert command in lines, (command, out)
        if not finding["fix"][tool]:
            assert f"No {tool} command: its syntax cannot carry" in "\n".join(lines), out


# ------------------------------------------------------------------------------------------ the real tools

def _apply(commands, tool, path, directory):
    """Run the printed ``commands`` with ``sh``: crm with CIB_file=path, pcs with ``-f path``."""
    bin_dir = directory / "real-bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "pcs"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("pcs")} -f "$CIB_file" "$@"\n')
    wrapper.chmod(0o755)
    env = dict(os.environ, CIB_file=path, PATH=f"{bin_dir}:{os.environ['PATH']}")
    for command in commands:
        proc = subprocess.run(["sh", "-c", command], cwd=directory, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert proc.returncode == 0, f"{command} exited {proc.returncode}: {proc.stderr}{proc.stdout}"
    assert not (directory / MARKER).exists()


@pytest.mark.parametrize("case, value", _pairs(lambda case: case.values))
@pytest.mark.parametrize("tool", TOOLS)
def test_real_tool_writes_exactly_the_value(crm_ve, bases, agent, case, tool, value, tmp_path):
    agent(case)
    path = _hostile_cib(bases, case, tool, value, tmp_path)
    finding = _the_finding(crm_ve, path, case)
    commands = _withheld_or_commands(finding, tool, value)
    if not commands:
        return
    _apply(commands, tool, path, tmp_path)
    root = etree.parse(path).getroot()
    assert case.applied(root, value), etree.tostring(root.find("configuration"), encoding="unicode")
    assert not [f for f in _findings(_check_json(crm_ve, path), case.code) if f["message"] == finding["message"]]
