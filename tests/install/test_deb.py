"""The Debian package (issue 23): ``make deb`` builds it with Debian's own tools, lintian finds nothing that has no
written override, apt installs it, Pacemaker's tools, crmsh, pcs and man find what it ships, Debian's python3 runs
its checker with every rule, and ``apt-get purge`` leaves no file of it.

The package owns paths that other test sessions use: the agent that tests/support/ocf_install.py installs, and
whatever a ``crm-ve install`` on this machine placed. So the install runs as root under the live-cluster lock and
ocf_install's lock for the agent (no other session installs, uses or removes it meanwhile), and what was at the
package's paths is moved aside for the test and put back, byte for byte, afterwards.
"""
import configparser
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crm_ve import install as installer
from support import live_cluster as lc
from support import ocf_install
from support.tools import in_ci, require_tools

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "crm-ve"
AGENT = Path("/", installer.AGENT_TARGET)
AGENT_LIB = Path("/usr/lib/ocf/lib/crm-ve")
STATE = Path("/var/lib/crm-ve")
SYSTEM_PYTHON_PACKAGE = Path("/usr/lib/python3/dist-packages/crm_ve")
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}
APT_LOCK = ["-o", "DPkg::Lock::Timeout=600"]
FINDING = re.compile(r"^\S+:\d+: (CV\d+) \S+ \[(error|warning|info)\]", re.MULTILINE)

pytestmark = pytest.mark.live  # the machine's OCF directory to itself, like the live-cluster tests


def _run(argv, check=True, env=None, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900,
                            env={**os.environ, **(env or {})}, **kwargs)
    if check:
        assert result.returncode == 0, f"{argv} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def _system_run(argv, **kwargs):
    """ARGV as an operator runs it: Debian's PATH, no virtualenv, outside the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "MANPATH")}
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd="/", **kwargs)


def _version():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config["metadata"]["version"]


def _package_status():
    result = _run(["dpkg-query", "-W", "-f=${db:Status-Status}", PACKAGE], check=False)
    return result.stdout.strip() if result.returncode == 0 else "not-installed"


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``make deb`` in a copy of this checkout (the build writes debian/crm-ve and the .deb beside the tree), in a
    network namespace of its own (no network but loopback): the build, its ``make test-fast`` with Debian's python3
    packages included, is offline."""
    require_tools("dpkg-buildpackage", "dh", "dh_python3", "lintian", "git", "make", "unshare", "ip")
    work = tmp_path_factory.mktemp("deb")
    source = work / "crm-ve"
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout
    for relative in sorted(set(filter(None, listed.split("\0")))):
        if (ROOT / relative).is_file():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, source / relative)
    # Loopback only (a test listens on 127.0.0.1 to show that crm-ve connects nowhere).
    build = _run(["unshare", "--net", "sh", "-c", "ip link set lo up && exec make deb"], cwd=source,
                 env={"DEB_BUILD_OPTIONS": ""})
    assert re.search(r"^\d+ passed", build.stdout, re.M), "the build ran no tests:\n" + build.stdout[-3000:]
    return work


@pytest.fixture(scope="module")
def deb(built):
    path = built / f"{PACKAGE}_{_version()}-1_all.deb"
    assert path.is_file(), f"make deb built {sorted(p.name for p in built.iterdir())}, not {path.name}"
    return path


def _contents(deb):
    """Every path in the package: (absolute path, is a directory)."""
    out = _run(["dpkg-deb", "-c", str(deb)]).stdout
    entries = []
    for line in out.splitlines():
        mode, *_, name = line.split(maxsplit=5)
        name = name.split(" -> ")[0] if mode.startswith("l") else name
        entries.append((Path("/", name.lstrip(".").strip("/")), mode.startswith("d")))
    return entries


def test_lintian_reports_no_error_or_warning_without_a_written_override(built):
    overrides = sorted((ROOT / "debian").glob("*lintian-overrides"))
    for path in overrides:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip() and not line.startswith("#"):
                assert number and lines[number - 1].startswith("#"), f"{path}:{number + 1}: override without a reason"
    (changes,) = built.glob(f"{PACKAGE}_*.changes")
    result = _run(["lintian", "--fail-on", "error,warning", "--display-level", ">=warning", str(changes)],
                  check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    tags = [line for line in result.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert tags == [], tags


def test_the_package_ships_what_crm_ve_install_places_and_its_dependencies_are_debians(deb):
    paths = {path for path, _ in _contents(deb)}
    for placement in installer.planned_files():
        target = Path("/", placement.target)
        if target.parts[1:4] == ("usr", "share", "man"):
            target = target.with_name(target.name + ".gz")
        assert target in paths, f"{target} (placed by crm-ve install) is not in the package"
    assert Path("/usr/bin/crm-ve") in paths and Path("/usr/share/doc/crm-ve/copyright") in paths
    assert SYSTEM_PYTHON_PACKAGE / "cli.py" in paths
    library = sorted(p.relative_to(ROOT / "ra" / "lib") for p in (ROOT / "ra" / "lib").rglob("*.py")
                     if "__pycache__" not in p.parts) if (ROOT / "ra" / "lib").is_dir() else []
    assert {AGENT_LIB / p for p in library} <= paths
    fields = _run(["dpkg-deb", "-f", str(deb), "Depends", "Recommends", "Architecture"]).stdout
    depends = re.search(r"^Depends: (.*)$", fields, re.MULTILINE).group(1).split(", ")
    assert {"python3-lxml", "python3-pluggy"} <= {d.split(" ")[0] for d in depends}, depends
    assert not any(d.startswith("python3-docutils") for d in depends), "docutils is only the man extra"
    assert re.search(r"^Recommends: .*crmsh \| pcs", fields, re.MULTILINE), fields
    assert re.search(r"^Recommends: .*pacemaker-cli-utils", fields, re.MULTILINE), fields
    assert "Architecture: all" in fields


# ------------------------------------------------------------------ the machine to this test
def _require_root():
    if os.geteuid() != 0:
        message = "installing the Debian package needs root"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def _live_cluster_lock():
    """The live-cluster lock, which this session already holds while its own live cluster runs (a second flock
    by the same process would wait for itself)."""
    if lc._SESSION_CLUSTER.get("cluster") is not None:
        yield
        return
    fd = lc.acquire_lock(float(os.environ.get(lc.ENV_LOCK_WAIT, 900)))
    try:
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _agent_installs_held():
    """ocf_install's locks for crm-ve's agent (and for whatever else it installs of crm-ve's, such as the agent's
    library), taken once no other process uses what a test installed there: then no other session installs, runs
    or removes them until the block ends."""
    states = sorted({ocf_install.STATE_DIR / "crm-ve.ManageVE"}
                    | {d for d in ocf_install.STATE_DIR.glob("*crm-ve*") if d.is_dir()})
    mine = f"{os.getpid()}-"
    deadline = time.monotonic() + float(os.environ.get(lc.ENV_LOCK_WAIT, 900))
    while True:
        with contextlib.ExitStack() as held:
            for state in states:
                held.enter_context(ocf_install._locked(state))
            others = [f"{state.name}: {user.name}" for state in states
                      for user in ocf_install._live_users(state / "users") if not user.name.startswith(mine)]
            if not others:
                yield
                return
        if time.monotonic() > deadline:
            pytest.fail(f"other test processes still use what they installed ({'; '.join(others)}); "
                        "the package would replace it")
        time.sleep(1)


@contextlib.contextmanager
def _moved_aside(paths, stash):
    """Move what exists at PATHS (files, and /var/lib/crm-ve, which purging removes) to STASH; put it back after,
    byte for byte."""
    saved = []
    for path in paths:
        if os.path.lexists(path):
            kept = stash / str(len(saved))
            digest = _digest(path)
            shutil.move(str(path), str(kept))
            saved.append((path, kept, digest))
    try:
        yield
    finally:
        for path, kept, digest in saved:
            path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            shutil.move(str(kept), str(path))
            assert _digest(path) == digest, f"{path} was not put back as it was"


def _pip_targets():
    return [Path("/", placement.target) for placement in installer.planned_files()]


@pytest.fixture(scope="module")
def machine(deb, tmp_path_factory):
    """This machine with nothing at the package's paths nor at crm-ve install's, to this test alone; put back
    afterwards. Yields the package's directories that existed before (shared with other packages)."""
    _require_root()
    require_tools("apt-get", "dpkg-query", "crm", "pcs", "man")
    entries = _contents(deb)
    files = [path for path, is_dir in entries if not is_dir]
    stash = tmp_path_factory.mktemp("stash")
    with _live_cluster_lock(), _agent_installs_held():
        if _package_status() != "not-installed":
            pytest.fail(f"the Debian package {PACKAGE} is installed on this machine; the test would remove it")
        with _moved_aside(sorted({*files, *_pip_targets(), STATE}), stash):
            existing_dirs = {path for path, is_dir in entries if is_dir and path.is_dir()}
            try:
                yield existing_dirs
            finally:
                if _package_status() != "not-installed":
                    _run(["apt-get", "purge", "-y", "-q", *APT_LOCK, PACKAGE], env=APT_ENV)
                for path in _pip_targets():
                    if path.is_file() and path not in files:
                        path.unlink()


@pytest.fixture(scope="module")
def installed(machine, deb):
    """``apt-get install ./crm-ve_*.deb`` over a pip-style ``crm-ve install`` from this checkout, whose record in
    /var/lib/crm-ve then names files the package owns.

    The package's man pages are compressed: the uncompressed copies crm-ve install placed would shadow them, so they
    are removed; their record in /var/lib/crm-ve stays, for the refusal and purge tests."""
    _run([sys.executable, "-m", "crm_ve.cli", "install"], cwd=ROOT)
    _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_LOCK, str(deb)], env=APT_ENV)
    assert _package_status() == "installed"
    packaged = {path for path, _ in _contents(deb)}
    for path in _pip_targets():
        if path not in packaged:
            path.unlink()
    return machine


def test_crmsh_pcs_and_man_find_the_packaged_agent_and_pages(installed):
    owner = _run(["dpkg-query", "-S", str(AGENT)]).stdout
    assert owner.startswith(f"{PACKAGE}: "), owner
    crm = _system_run(["crm", "ra", "info", "ocf:crm-ve:ManageVE"])
    assert crm.returncode == 0 and "ManageVE" in crm.stdout and "veid" in crm.stdout, crm.stdout + crm.stderr
    pcs = _system_run(["pcs", "resource", "describe", "ocf:crm-ve:ManageVE"])
    assert pcs.returncode == 0 and "ocf:crm-ve:ManageVE" in pcs.stdout, pcs.stdout + pcs.stderr
    for page, section in (("ocf_crm-ve_ManageVE", 7), ("crm-ve", 1), ("crm-ve-rules", 7)):
        where = _system_run(["man", "-w", page])
        assert where.stdout.strip() == f"/usr/share/man/man{section}/{page}.{section}.gz", where.stdout + where.stderr


def test_the_agent_library_is_installed_and_byte_compiled(installed):
    source = ROOT / "ra" / "lib"
    if not source.is_dir():
        pytest.skip("the agent has no library (ra/lib) in this checkout")
    modules = [p.relative_to(source) for p in source.rglob("*.py") if "__pycache__" not in p.parts]
    assert modules, f"{source} holds no module"
    for relative in modules:
        module = AGENT_LIB / relative
        assert module.read_bytes() == (source / relative).read_bytes(), f"{module} is not {source / relative}"
        compiled = list((module.parent / "__pycache__").glob(f"{module.stem}.cpython-*.pyc"))
        assert compiled, f"{module} was not byte-compiled"


def _check(argv, example):
    return argv + ["check", str(ROOT / "examples" / example)]


@pytest.mark.parametrize("example, exit_code, errors, warnings", [
    ("good-stack.xml", 0, 0, 1),
    ("broken-stack.xml", 1, 3, 1),
])
def test_the_packaged_checker_runs_every_rule_with_debians_python(installed, example, exit_code, errors, warnings):
    shebang = Path("/usr/bin/crm-ve").read_text().splitlines()[0]
    assert shebang == "#!/usr/bin/python3", shebang
    where = _system_run(["/usr/bin/python3", "-c", "import crm_ve; print(crm_ve.__file__)"])
    assert where.stdout.strip() == str(SYSTEM_PYTHON_PACKAGE / "__init__.py"), where.stdout + where.stderr
    packaged = _system_run(_check(["/usr/bin/crm-ve"], example))
    reference = _run(_check([sys.executable, "-m", "crm_ve.cli"], example), check=False, cwd=ROOT)
    assert packaged.returncode == exit_code, packaged.stdout + packaged.stderr
    assert packaged.stderr == ""
    levels = [level for _, level in FINDING.findall(packaged.stdout)]
    assert (levels.count("error"), levels.count("warning"), levels.count("info")) == (errors, warnings, 0), levels
    if warnings:
        assert "CV406" in {code for code, level in FINDING.findall(packaged.stdout) if level == "warning"}
    assert (packaged.returncode, packaged.stdout) == (reference.returncode, reference.stdout)


def test_crm_ve_man_names_what_to_install_without_docutils(installed, tmp_path):
    script = ("import sys; sys.modules['docutils'] = None; sys.argv = ['crm-ve', 'man', '--output-dir', sys.argv[1]]; "
              "from crm_ve.cli import console_main; console_main()")
    result = _system_run(["/usr/bin/python3", "-c", script, str(tmp_path)])
    assert result.returncode == 2 and result.stdout == "", result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "docutils" in lines[0] and "crm-ve[man]" in lines[0], result.stderr
    assert list(tmp_path.iterdir()) == []


def test_install_and_uninstall_refuse_the_files_the_package_owns(installed):
    before = _digest(AGENT)
    packaged = _system_run(["/usr/bin/crm-ve", "install"])
    assert packaged.returncode == 2, packaged.stdout + packaged.stderr
    assert len(packaged.stderr.splitlines()) == 1 and "Debian package crm-ve" in packaged.stderr
    assert "use apt" in packaged.stderr, packaged.stderr
    for argv in (["install"], ["install", "--uninstall"]):
        pip = _run([sys.executable, "-m", "crm_ve.cli", *argv], check=False, cwd=ROOT)
        assert pip.returncode == 2, pip.stdout + pip.stderr
        assert re.fullmatch(r"crm-ve: (un)?install: /\S+ belongs to the Debian package crm-ve; nothing was changed "
                            r"\(apt installs and removes it\)\n", pip.stderr), pip.stderr
    assert _digest(AGENT) == before and _package_status() == "installed"


def test_purge_leaves_no_file_of_the_package(installed, deb):
    assert STATE.is_dir(), "the pip-style install left no manifest under /var/lib/crm-ve"
    _run(["apt-get", "purge", "-y", "-q", *APT_LOCK, PACKAGE], env=APT_ENV)
    assert _package_status() == "not-installed"
    left = [str(path) for path, is_dir in _contents(deb)
            if os.path.lexists(path) and not (is_dir and path in installed)]
    assert left == [], f"left after purge: {left}"
    assert not STATE.exists()
