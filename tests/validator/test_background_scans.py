"""Scans rules start in ``prepare`` and wait for in ``check`` (crm_ve.background.BackgroundScan): a whole-document
XPath in a daemon thread; the answer is the scan's whether started or not; an error in the thread is raised
where the checking thread waits, and nothing is left running. Used by CV504 (the ids containing
``-interval-0s``) and CV203 (the orders naming an action): their findings are the same with and without
``prepare``."""
import threading

import pytest

from crm_ve.checker import CheckContext
from crm_ve.model import build_model
from crm_ve.reader import parse_cib
from crm_ve.rules import op_timeouts, void_constraint
from crm_ve.background import BackgroundScan

CIB = b"""<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>
<primitive id="p_a" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="p_a-start-interval-0s" name="start" interval="0s"/><op id="p_a-stop" name="stop" interval="0s"/>
</operations></primitive>
<primitive id="p_b" class="ocf" provider="heartbeat" type="Dummy"/>
<primitive id="p_c" class="ocf" provider="heartbeat" type="Dummy"/>
</resources><constraints>
<rsc_order id="o_plain" first="p_a" then="p_b"/>
<rsc_order id="o_promote" first="p_a" first-action="promote" then="p_b"/>
<rsc_order id="o_then" first="p_b" then="p_c" then-action="demote"/>
<rsc_order id="o_started" first="p_c" first-action="start" then="p_a"/>
</constraints></configuration><status/></cib>"""


def _model():
    return build_model(parse_cib(CIB, "t.xml"))


@pytest.mark.parametrize("started", [True, False])
def test_the_answer_is_the_scans(started):
    calls = []
    scan = BackgroundScan(lambda: calls.append(1) or {"answer"})
    if started:
        scan.start()
    assert scan.result() == {"answer"} and scan.result() == {"answer"}
    assert calls == [1] and not scan.started


def test_an_error_in_the_thread_is_raised_where_the_answer_is_waited_for():
    outcomes = [MemoryError("scan failed"), {"answer"}]

    def scan():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    background = BackgroundScan(scan).start()
    with pytest.raises(MemoryError, match="scan failed"):
        background.result()
    assert not background.started  # joined: nothing left running
    assert background.result() == {"answer"}  # scanned again, as the rule's own scan would


def test_without_a_thread_the_scan_runs_where_the_answer_is_asked(monkeypatch):
    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    scan = BackgroundScan(lambda: {"answer"}).start()
    assert not scan.started and scan.result() == {"answer"}


@pytest.mark.parametrize("started", [True, False])
def test_cv504_op_ids_answer_as_the_index(started):
    model = _model()
    op_ids = op_timeouts._OpIds(model)
    if started:
        op_ids.start()
    for cid in ("p_a-start-interval-0s", "p_a-stop-interval-0s", "p_b-start-interval-0s"):
        assert (cid in op_ids) == (cid in model.index)


@pytest.mark.parametrize("rule", [op_timeouts, void_constraint])
def test_prepare_starts_the_scan_and_check_uses_it_with_the_same_findings(rule):
    def findings(prepare):
        model = _model()
        context = CheckContext(document=model.document, model=model, workload_agents=())
        if prepare:
            rule.prepare(context)
            assert context.prepared[rule.RULE.code] is not None
        found = [(f.code, f.message, f.fix) for f in rule.check(context)]
        assert rule.RULE.code not in context.prepared
        return found

    assert findings(True) == findings(False)


def test_cv203_reads_only_the_orders_naming_an_action():
    model = _model()
    orders = {id(c.element): c.id for c in model.constraint_list}
    answer = void_constraint._orders_with_actions(model).start().result()
    assert sorted(orders[key] for key in answer) == ["o_promote", "o_started", "o_then"]
    codes = {f.constraints[0] for f in void_constraint.check(
        CheckContext(document=model.document, model=model, workload_agents=()))}
    assert codes == {"o_promote", "o_then"}
