"""support.ocf_install.directory_turn: tests using an installed agent share the OCF directory; the install test has
it alone."""
import fcntl
import os

import pytest

from support import ocf_install
from support.tools import in_ci


@pytest.fixture
def lock_file(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("CI runs as root; the OCF directory lock is taken by root only")
        pytest.skip("the OCF directory lock is taken by root only")
    monkeypatch.setattr(ocf_install, "DIRECTORY_LOCK", tmp_path / "ocf-directory.lock")
    return tmp_path / "ocf-directory.lock"


def _can_take(path, mode):
    with open(path, "a") as other:
        try:
            fcntl.flock(other, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def test_shared_holders_coexist_and_keep_the_directory_from_a_test_alone(lock_file):
    with ocf_install.directory_turn(alone=False):
        assert _can_take(lock_file, fcntl.LOCK_SH)
        assert not _can_take(lock_file, fcntl.LOCK_EX)
    assert _can_take(lock_file, fcntl.LOCK_EX)


def test_a_test_alone_keeps_every_other_out(lock_file):
    with ocf_install.directory_turn(alone=True):
        assert not _can_take(lock_file, fcntl.LOCK_SH)
    assert _can_take(lock_file, fcntl.LOCK_SH)
