"""The wheel carries the agent and its library, templates, scripts and man pages; ``crm-ve install`` places them
(the library byte-compiled by the agent's interpreter); uninstall undoes it.

The wheel is built from this checkout and installed (not editable) into a fresh virtualenv, so these tests see
exactly what a user of the wheel gets.
"""
import fnmatch
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from crm_ve import install as installer

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"


def _run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)])
    (path,) = out.glob("crm_ve-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, wheel):
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)])
    return venv


def test_the_readme_install_line_names_the_wheel_the_build_makes(wheel):
    """README's pip line: ``python3 -m build --wheel`` writes dist/NAME.whl, which its glob must match."""
    readme = (ROOT / "README.md").read_text()
    (line,) = [line for line in readme.splitlines() if "pip install dist/" in line]
    (pattern,) = re.findall(r"pip install (dist/\S+\.whl)", line)
    assert "python3 -m build --wheel" in line
    assert fnmatch.fnmatch(f"dist/{wheel.name}", pattern), (pattern, wheel.name)


def _shipped(directory):
    return sorted(p.relative_to(ROOT / directory).as_posix() for p in (ROOT / directory).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def test_the_wheel_carries_code_agent_templates_scripts_and_man_pages(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"crm_ve/_data/{d}/{f}" for d in ("ra", "templates", "man") for f in _shipped(d)}
    expected |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "crm_ve").rglob("*.py")}
    assert "crm_ve/_data/ra/ManageVE" in expected
    assert "crm_ve/_data/ra/lib/manage_ve/__init__.py" in expected and "crm_ve/_data/ra/lib/manage_ve/actions.py" in expected
    assert any(name.endswith("main.yml") for name in expected), "no cluster script shipped"
    assert any(name.endswith(".7") for name in expected) and any(name.endswith(".1") for name in expected)
    assert expected <= names, sorted(expected - names)


def _tree(root):
    return {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_file()}


def _library_files():
    """The installed library, relative to /: its modules and the bytecode of the agent's interpreter."""
    tag = _run([installer.agent_interpreter(), "-c", "import sys; print(sys.implementation.cache_tag)"]).stdout.strip()
    modules = [Path(f).stem for f in _shipped("ra/lib/manage_ve") if f.endswith(".py")]
    return ({f"{installer.LIBRARY_TARGET}/{m}.py" for m in modules}
            | {f"{installer.LIBRARY_TARGET}/__pycache__/{m}.{tag}.pyc" for m in modules})


def _run_agent(agent, action, ocf_root):
    env = {"OCF_ROOT": ocf_root, "OCF_RESKEY_veid": "101", "OCF_RESKEY_vzctl": "/nonexistent/vzctl",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(agent), action], capture_output=True, text=True, env=env, timeout=60)


def test_install_into_a_destdir_from_the_installed_wheel(fresh_venv, tmp_path):
    crm_ve = str(fresh_venv / "bin" / "crm-ve")
    dest = tmp_path / "dest"
    dry = _run([crm_ve, "install", "--destdir", str(dest), "--dry-run"])
    assert "would be installed" in dry.stdout and not dest.exists()

    _run([crm_ve, "install", "--destdir", str(dest)], cwd=tmp_path)
    tree = _tree(dest)
    assert tree.pop("usr/lib/ocf/resource.d/crm-ve/ManageVE") == 0o755
    assert tree.pop(installer.MANIFEST) == 0o644
    library = _library_files()
    assert {tree.pop(f) for f in library} == {0o644}
    templates = {f for f in _shipped("templates") if not f.startswith("scripts/")}
    scripts = {f[len("scripts/"):] for f in _shipped("templates") if f.startswith("scripts/")}
    man = {f"man{f.rsplit('.', 1)[1]}/{f}" for f in _shipped("man")}
    expected = {f"usr/share/crmsh/templates/{f}" for f in templates}
    expected |= {f"usr/share/crmsh/scripts/{f}" for f in scripts}
    expected |= {f"usr/share/man/{f}" for f in man}
    assert set(tree) == expected and set(tree.values()) == {0o644}
    assert any(name.startswith("usr/share/man/man1/") for name in tree)
    assert any(name.startswith("usr/share/man/man7/") for name in tree)

    # the installed agent under its OCF root: its library from there, compiled, and nothing written at run time
    ocf_root = dest / installer.OCF_ROOT
    before = sorted(ocf_root.rglob("*"))
    for action in ("meta-data", "validate-all", "monitor"):
        result = _run_agent(dest / installer.AGENT_TARGET, action, str(ocf_root))
        assert "Traceback" not in result.stderr and result.returncode in (0, 5), (action, result)
    assert "<resource-agent" in _run_agent(dest / installer.AGENT_TARGET, "meta-data", str(ocf_root)).stdout
    assert sorted(ocf_root.rglob("*")) == before

    again = _run([crm_ve, "install", "--destdir", str(dest)])
    assert "installed:" not in again.stdout and "unchanged:" in again.stdout

    (dest / "usr/share/extra-file-of-someone-else").write_text("keep me")
    _run([crm_ve, "install", "--destdir", str(dest), "--uninstall"])
    assert _tree(dest) == {"usr/share/extra-file-of-someone-else": 0o644}
    assert not (dest / installer.LIBRARY_TARGET).exists() and not (dest / installer.AGENT_TARGET).parent.exists()


def test_the_library_is_compiled_by_the_interpreter_the_agents_shebang_names(tmp_path):
    """A checkout whose agent names another interpreter: that one runs compileall, and the bytecode names the
    installed paths (not DESTDIR's)."""
    checkout = tmp_path / "checkout"
    for name in ("crm_ve", "ra", "templates", "man"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", checkout / "setup.cfg")
    calls = tmp_path / "interpreter-calls"
    interpreter = tmp_path / "agent-python"
    interpreter.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec /usr/bin/python3 "$@"\n')
    interpreter.chmod(0o755)
    agent = checkout / "ra" / "ManageVE"
    agent.write_text(agent.read_text().replace("#!/usr/bin/python3 -IS\n", f"#!{interpreter} -IS\n", 1))
    dest = tmp_path / "dest"
    _run([sys.executable, "-m", "crm_ve", "install", "--destdir", str(dest)], cwd=checkout,
         env={**os.environ, "PYTHONPATH": str(checkout)})
    assert calls.read_text().splitlines() == [
        f"-I -m compileall -q -f -d /{installer.LIBRARY_TARGET} {dest / installer.LIBRARY_TARGET}"]
    compiled = sorted((dest / installer.LIBRARY_TARGET / "__pycache__").glob("*.pyc"))
    assert [path.name.split(".")[0] for path in compiled] == sorted(
        path.stem for path in (ROOT / "ra/lib/manage_ve").glob("*.py"))
    read = "import marshal, sys; print(marshal.loads(open(sys.argv[1], 'rb').read()[16:]).co_filename)"
    for path in compiled:   # read by the interpreter that wrote it: marshal's format is its own
        name = _run(["/usr/bin/python3", "-I", "-c", read, str(path)]).stdout.strip()
        assert name == f"/{installer.LIBRARY_TARGET}/{path.name.split('.')[0]}.py"


def test_install_refuses_to_overwrite_a_file_it_did_not_install(fresh_venv, tmp_path):
    dest = tmp_path / "dest"
    foreign = dest / "usr/lib/ocf/resource.d/crm-ve/ManageVE"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("someone else's agent\n")
    result = subprocess.run([str(fresh_venv / "bin" / "crm-ve"), "install", "--destdir", str(dest)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"crm-ve: install: {foreign} exists and was not installed by crm-ve; nothing was installed "
        "(move it away first)"
    ]
    assert foreign.read_text() == "someone else's agent\n"
    assert _tree(dest) == {"usr/lib/ocf/resource.d/crm-ve/ManageVE": 0o644}


def _require(tool):
    if shutil.which(tool) is None:
        if IN_CI:
            pytest.fail(f"{tool} is not installed (CI must install it)")
        pytest.skip(f"{tool} is not installed")


def test_real_install_into_root_is_found_by_pacemaker_crmsh_and_man(fresh_venv):
    """As root, for real: Pacemaker, crmsh and man find what was installed; --uninstall restores the system."""
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI runs as root; this test needs root")
        pytest.skip("needs root")
    for tool in ("crm_resource", "crm", "man", "cibadmin"):
        _require(tool)
    crm_ve = str(fresh_venv / "bin" / "crm-ve")
    targets = [Path("/") / p.target for p in installer.planned_files()] + [Path("/") / installer.MANIFEST]
    targets += [Path("/") / f for f in _library_files() if "__pycache__" in f]
    # Another test fixture may have installed the agent for the session: set aside what exists, restore after.
    saved = {path: path.read_bytes() for path in targets if path.exists()}
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in saved}
    for path in saved:
        path.unlink()
        for directory in (path.parent, path.parent.parent):   # recreated in finally
            if directory.name in ("crm-ve", "manage_ve", "__pycache__") and not any(directory.iterdir()):
                directory.rmdir()
    before = {d: sorted(os.listdir(d)) if os.path.isdir(d) else None
              for d in ("/usr/lib/ocf/resource.d", "/usr/lib/ocf/lib", "/usr/share/crmsh/templates",
                        "/usr/share/crmsh/scripts")}
    try:
        _run([crm_ve, "install"])
        metadata = _run(["crm_resource", "--show-metadata", "ocf:crm-ve:ManageVE"]).stdout
        assert "<resource-agent" in metadata and 'name="checkpoint_on_stop"' in metadata
        # run as root, the installed agent imports its compiled library and writes nothing
        watched = [Path("/") / installer.LIBRARY_TARGET, (Path("/") / installer.AGENT_TARGET).parent]
        files = sorted(path for directory in watched for path in directory.rglob("*"))
        assert any(path.suffix == ".pyc" for path in files)
        for action in ("meta-data", "man-data", "validate-all", "monitor", "stop"):
            result = _run_agent(Path("/") / installer.AGENT_TARGET, action, "/usr/lib/ocf")
            assert "Traceback" not in result.stderr, (action, result)
        assert sorted(path for directory in watched for path in directory.rglob("*")) == files
        page = _run(["man", "-P", "cat", "ocf_crm-ve_ManageVE"], env={**os.environ, "MANWIDTH": "80"}).stdout
        assert "ocf_crm-ve_ManageVE" in page
        # crm configure needs a CIB: an empty one offline (no cluster runs here necessarily).
        empty_cib = Path(tempfile.mkdtemp()) / "cib.xml"
        empty_cib.write_text(_run(["cibadmin", "--empty"]).stdout)
        templates = _run(["crm", "configure", "template", "list", "templates"],
                         env={**os.environ, "CIB_file": str(empty_cib)}).stdout.split()
        shipped_templates = {f for f in _shipped("templates") if "/" not in f}
        assert shipped_templates <= set(templates), templates
        scripts = _run(["crm", "script", "list"]).stdout
        for name in {f.split("/")[1] for f in _shipped("templates") if f.startswith("scripts/")}:
            assert name in scripts
        _run([crm_ve, "install", "--uninstall"])
        after = {d: sorted(os.listdir(d)) if os.path.isdir(d) else None for d in before}
        assert after == before
        assert not any(path.exists() for path in targets)
    finally:
        subprocess.run([crm_ve, "install", "--uninstall"], capture_output=True)  # after a failure part-way
        for path, data in saved.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, modes[path])
