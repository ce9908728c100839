"""The structure rules on Pacemaker's own scheduler regression CIBs (855 files): none raises, and the latent
mistakes known to be in them are found (a constraint on a clone's child, a group member, a void role, a DRBD
clone that never gets notifications or has one instance); and every rule's record is complete."""
import os
from pathlib import Path

import pytest

from crm_ve.checker import check_document
from crm_ve.errors import CrmVeError
from crm_ve.reader import read_cib
from structure_support import host
from support.tools import in_ci

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CODES = ("CV201", "CV202", "CV203", "CV204", "CV301", "CV302", "CV303", "CV304", "CV305", "CV306", "CV307",
         "CV601")


def corpus():
    directory = Path(os.environ.get("CRM_VE_CORPUS") or PROJECT_ROOT.parent / "shared/corpus/pacemaker-scheduler")
    if not directory.is_dir():
        message = f"scheduler corpus not found at {directory} (set CRM_VE_CORPUS)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return sorted(directory.glob("*.xml"))


@pytest.fixture(scope="module")
def results():
    rules = [r for r in host().rules if r.code in CODES]
    out = {}
    for path in corpus():
        try:
            document = read_cib(str(path))
        except CrmVeError:
            continue  # refused with one line: the reader's tests cover that
        out[path.name] = check_document(document, rules, host().workload_agents)
    return out


def test_no_rule_raises_on_the_corpus(results):
    assert len(results) > 800
    failures = [(name, f.code, f.error) for name, (_, fs) in results.items() for f in fs]
    assert failures == []


@pytest.mark.parametrize("name, code, constraint_or_resource", [
    ("promoted-ordering.xml", "CV201", "colo_drbd_mysql_ip0"),       # colocation with drbd_mysql inside ms
    ("coloc-with-inner-group-member.xml", "CV202", "order-vip-dep-vip-mandatory"),
    ("unrunnable-2.xml", "CV203", "colocation-ip-192.0.2.12-haproxy-clone-INFINITY"),  # Promoted on a plain clone
    ("template-coloc-3.xml", "CV203", "template1-colo-template2"),    # two templates colocated: ignored
    ("clone-anon-probe-1.xml", "CV302", "drbd0"),                     # DRBD in a clone without promotable
    ("clone-anon-probe-1.xml", "CV303", "ms-drbd0"),
    ("promoted-pseudo.xml", "CV305", "ms_drbd_float"),                # clone-max=1
    ("bug-1572-1.xml", "CV306", "rsc_drbd_7788"),                     # no monitor for the promoted role
    ("bug-lf-2358.xml", "CV307", "ms_drbd_nfsexport"),                # target-role=Stopped
])
def test_latent_mistakes_in_the_corpus_are_found(results, name, code, constraint_or_resource):
    findings, _ = results[name]
    assert any(f.code == code and (constraint_or_resource in f.constraints or constraint_or_resource in f.resources)
               for f in findings), [(f.code, f.message) for f in findings]


def test_connectivity_rules_are_not_bans(results):
    """bug-lf-1852 bans the Primary where pingd is unset: how a working cluster keeps it off cut-off nodes."""
    findings, _ = results["bug-lf-1852.xml"]
    assert not [f for f in findings if f.code == "CV307"]


def test_every_structure_rule_is_documented():
    rules = {r.code: r for r in host().rules}
    for code in CODES:
        rule = rules[code]
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.plugin and rule.suppression_target and rule.summary
        for field in ("what_it_does", "why_is_this_bad", "example", "use_instead"):
            text = getattr(rule.doc, field)
            assert text.strip(), (code, field)
            if field in ("example", "use_instead"):
                assert all(len(line) <= 70 for line in text.splitlines()), (code, field)
