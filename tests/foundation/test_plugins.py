"""The plugin host: entry points, built-ins as plugins, broken plugins named, -p no:, autoload switch."""
import importlib.metadata

import pytest

from crm_ve import hookspecs
from crm_ve.plugins import DEFAULT_PLUGINS, PluginHost
from support.plugin_dist import make_plugin_dist, run_crm_ve

DEPRECATED_DRBD = (
    '<configuration><resources><primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>'
    '<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain">'
    '<instance_attributes id="vm1-ia"><nvpair id="vm1-c" name="config" value="vm1.xml"/></instance_attributes>'
    "</primitive></resources></configuration>"
)


def test_example_plugin_is_installed_through_its_entry_point():
    """tests/plugins/crm-ve-vm is pip-installed into the test venv (Makefile); it must be found as a distribution."""
    entry_points = [ep for ep in importlib.metadata.entry_points(group="crm_ve")]
    assert any(ep.name == "vm" and ep.value == "crm_ve_vm.plugin" for ep in entry_points), entry_points


def test_installed_plugin_rule_runs_and_workload_is_declared():
    result = run_crm_ve("check", "--format", "json", "-", stdin=DEPRECATED_DRBD)
    assert result.returncode == 1, result.stderr
    assert '"code": "VM101"' in result.stdout and '"code": "CV301"' in result.stdout
    host = PluginHost()
    assert "vm" in host.plugin_names()
    assert "ocf:heartbeat:VirtualDomain" in {agent.spec for agent in host.workload_agents}


def test_plugins_can_be_disabled_by_name_and_by_environment():
    blocked = run_crm_ve("check", "-p", "no:vm", "-p", "no:crm_ve.rules.drbd_agent", "-", stdin=DEPRECATED_DRBD)
    assert blocked.returncode == 0 and "VM101" not in blocked.stdout and "CV301" not in blocked.stdout
    no_autoload = run_crm_ve("check", "-", stdin=DEPRECATED_DRBD, env={"CRM_VE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert no_autoload.returncode == 0, no_autoload.stdout
    assert "VM101" not in no_autoload.stdout and "CV301" in no_autoload.stdout


def test_blocking_a_plugin_that_does_not_exist_is_refused_naming_the_plugins():
    result = run_crm_ve("check", "-p", "no:crm_ve_vm", "-", stdin=DEPRECATED_DRBD)
    assert result.returncode == 2 and result.stdout == "", result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("crm-ve: -p no:crm_ve_vm: no plugin of that name; the plugins are: ")
    assert " vm" in line and "crm_ve.rules.drbd_agent" in line


def test_builtins_are_registered_like_third_party_plugins():
    host = PluginHost(autoload=False)
    for module_name in DEFAULT_PLUGINS:
        assert host.pm.has_plugin(module_name)
    assert all(rule.plugin in DEFAULT_PLUGINS and rule.code.startswith("CV") for rule in host.rules)


def test_a_plugin_that_fails_to_import_is_named_in_one_line(tmp_path):
    make_plugin_dist(tmp_path, "crm-ve-broken", "crm_ve_broken", "raise ImportError('libfoo is missing')\n")
    result = run_crm_ve("check", "-", stdin=DEPRECATED_DRBD, pythonpath=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "crm-ve: plugin 'crm_ve_broken' (from crm-ve-broken) failed to load: ImportError: libfoo is missing"
    ]


def test_a_rule_that_raises_is_named_and_other_findings_still_print(tmp_path):
    source = """
        from crm_ve import hookimpl
        from crm_ve.findings import Rule, RuleDoc, Severity
        def check(context):
            raise RuntimeError("boom")
        @hookimpl
        def crm_ve_rules():
            return [Rule("XX1", "always-raises", Severity.ERROR, "raises", RuleDoc("a", "b", "c", "d"), check)]
    """
    make_plugin_dist(tmp_path, "crm-ve-raises", "crm_ve_raises", source)
    result = run_crm_ve("check", "-", stdin=DEPRECATED_DRBD, pythonpath=tmp_path)
    assert result.returncode == 2
    assert "CV301" in result.stdout  # the other rules' findings still print
    assert "rule XX1 of plugin 'crm_ve_raises' failed: RuntimeError: boom" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "code, name, message",
    [
        ("VM101", "other-name", "both declare rule 'VM101'"),
        ("CV999", "sneaky", "must not use the built-in prefix CV"),
        ("X-1", "bad-code", "is not LETTERS+DIGITS"),
        ("XY1", "Not_Kebab", "is not kebab-case"),
    ],
)
def test_invalid_or_duplicate_rule_declarations_are_refused(tmp_path, code, name, message):
    source = f"""
        from crm_ve import hookimpl
        from crm_ve.findings import Rule, RuleDoc, Severity
        @hookimpl
        def crm_ve_rules():
            return [Rule({code!r}, {name!r}, Severity.ERROR, "s", RuleDoc("a", "b", "c", "d"), lambda c: ())]
    """
    make_plugin_dist(tmp_path, "crm-ve-dup", "crm_ve_dup", source)
    result = run_crm_ve("rule", pythonpath=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_hook_implementation_with_a_wrong_signature_is_named(tmp_path):
    source = """
        from crm_ve import hookimpl
        @hookimpl
        def crm_ve_rules(unknown_argument):
            return []
    """
    make_plugin_dist(tmp_path, "crm-ve-badsig", "crm_ve_badsig", source)
    result = run_crm_ve("rule", pythonpath=tmp_path)
    assert result.returncode == 2
    assert "crm_ve_badsig" in result.stderr and "Traceback" not in result.stderr


def test_every_hook_is_documented_and_tested():
    """datasette-style meta-test: a hook without a docstring or without a test here fails."""
    import pathlib

    tests_text = "".join(p.read_text() for p in pathlib.Path(__file__).parent.parent.rglob("test_*.py"))
    hooks = [name for name in dir(hookspecs) if name.startswith("crm_ve_")]
    assert set(hooks) == {"crm_ve_rules", "crm_ve_workload_agents", "crm_ve_output_formats"}
    for name in hooks:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Return" in doc and "Called once per run" in doc, name
    assert "workload_agents" in tests_text and "output_formats" in tests_text and "rules" in tests_text


def test_output_formats_hook_collects_every_format():
    host = PluginHost(autoload=False)
    assert {"text", "json"} <= set(host.output_formats)


@pytest.mark.parametrize("group", ["crm_ve", "console_scripts", "pytest11"])
def test_the_entry_point_reader_finds_what_importlib_metadata_finds(group):
    """crm_ve.entry_points reads the files importlib.metadata reads (without importing it, for start-up time)."""
    from crm_ve.entry_points import entry_points
    ours = sorted((ep.name, ep.value) for ep in entry_points(group))
    theirs = sorted((ep.name, ep.value) for dist in importlib.metadata.distributions()
                    for ep in dist.entry_points if ep.group == group)
    assert ours == theirs and ours


def test_entry_points_txt_is_parsed_like_ini(tmp_path):
    from crm_ve.entry_points import entry_points
    info = tmp_path / "crm_ve_x-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crm-ve-x\nVersion: 1.0\n\nbody\n")
    (info / "entry_points.txt").write_text(
        "# comment\n[console_scripts]\nx = crm_ve_x.cli:main\n\n[ crm_ve ]\nx = crm_ve_x.plugin [extra]\n"
        "; another\ny=json:dumps\n")
    found = list(entry_points("crm_ve", path=[str(tmp_path), str(tmp_path / "missing")]))
    assert [(ep.name, ep.value) for ep in found] == [("x", "crm_ve_x.plugin [extra]"), ("y", "json:dumps")]
    assert found[0].dist_name == "crm-ve-x"
    import json
    assert found[1].load() is json.dumps
