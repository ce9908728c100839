"""tests/support/session_cache.py: an entry is built once per session, by one process, and copied to each caller."""
import subprocess
import sys
from pathlib import Path

from support import session_cache

TESTS = Path(__file__).resolve().parents[1]

#: Builds KEY's entry through cached_file, counting the builds in COUNTER (one line per build).
BUILDER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from support.session_cache import cached_file
def build(path):
    with open(sys.argv[2], "a") as counter:
        counter.write("built\\n")
    time.sleep(0.5)
    with open(path, "w") as out:
        out.write("content")
cached_file("the key", sys.argv[3], build)
"""


def test_without_a_session_directory_every_call_builds(tmp_path, monkeypatch):
    monkeypatch.delenv(session_cache.ENV, raising=False)
    built = []
    for name in ("a", "b"):
        session_cache.cached_file("k", tmp_path / name, lambda path: (built.append(path), path.write_text("x")))
    assert built == [tmp_path / "a", tmp_path / "b"]
    assert session_cache.cached_json("k", lambda: built.append("json") or [1]) == [1]
    assert built[-1] == "json"


def test_two_processes_build_an_entry_once_and_both_get_it(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    counter = tmp_path / "builds"
    env = {"PATH": "/usr/bin:/bin", session_cache.ENV: str(cache)}
    procs = [subprocess.Popen([sys.executable, "-c", BUILDER, str(TESTS), str(counter), str(tmp_path / name)],
                              env=env) for name in ("first", "second")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert counter.read_text() == "built\n"
    assert (tmp_path / "first").read_text() == (tmp_path / "second").read_text() == "content"


def test_json_entries_are_computed_once(tmp_path, monkeypatch):
    monkeypatch.setenv(session_cache.ENV, str(tmp_path))
    calls = []
    for _ in range(2):
        assert session_cache.cached_json("pages", lambda: calls.append(1) or {"a.1": "roff"}) == {"a.1": "roff"}
    assert calls == [1]


def test_a_failed_build_caches_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(session_cache.ENV, str(tmp_path))

    def fail(path):
        raise RuntimeError("the tool refused")
    for _ in range(2):
        try:
            session_cache.cached_file("refused", tmp_path / "out.xml", fail)
        except RuntimeError as exc:
            assert str(exc) == "the tool refused"
        else:
            raise AssertionError("the failure was swallowed")
    assert not (tmp_path / "out.xml").exists()
