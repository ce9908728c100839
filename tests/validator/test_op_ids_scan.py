"""CV504's scan for the ids containing ``-interval-0s`` (op_timeouts._OpIds): started by ``prepare`` in a
background thread and waited for on first use, or scanned on first use; both answer as ``model.index``; an
error in the thread is raised where the checking thread uses the scan, and nothing is left running."""
import pytest

from crm_ve.model import build_model
from crm_ve.reader import parse_cib
from crm_ve.rules import op_timeouts

CIB = b"""<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>
<primitive id="p_a" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="p_a-start-interval-0s" name="start" interval="0s"/><op id="p_a-stop" name="stop" interval="0s"/>
</operations></primitive></resources><constraints/></configuration><status/></cib>"""


def _model():
    return build_model(parse_cib(CIB, "t.xml"))


@pytest.mark.parametrize("started", [True, False])
def test_the_scan_answers_as_the_index_for_op_ids(started):
    model = _model()
    op_ids = op_timeouts._OpIds(model)
    if started:
        op_ids.start()
    for cid in ("p_a-start-interval-0s", "p_a-stop-interval-0s", "p_b-start-interval-0s"):
        assert (cid in op_ids) == (cid in model.index)
    assert op_ids._thread is None


def test_an_error_in_the_thread_is_raised_where_the_scan_is_used(monkeypatch):
    def broken(configuration, text):
        raise MemoryError("scan failed")

    monkeypatch.setattr(op_timeouts, "ids_containing", broken)
    op_ids = op_timeouts._OpIds(_model()).start()
    with pytest.raises(MemoryError, match="scan failed"):
        "p_a-start-interval-0s" in op_ids
    assert op_ids._thread is None  # joined: nothing left running
    monkeypatch.undo()
    assert "p_a-start-interval-0s" in op_ids  # scanned again, as the rule's own read would


def test_prepare_starts_the_scan_and_check_uses_it():
    from crm_ve.checker import CheckContext
    model = _model()
    context = CheckContext(document=model.document, model=model, workload_agents=())
    op_timeouts.prepare(context)
    started = context.prepared[op_timeouts.RULE.code]
    assert started.op_ids._thread is not None
    list(op_timeouts.check(context))
    assert op_timeouts.RULE.code not in context.prepared
