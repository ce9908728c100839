"""Operation.element: a bare op keeps no element proxy and finds its element again on use - the same element
(id, line, attributes) as reading the operations blocks, id-refs resolved, ops with blocks and templates."""
from crm_ve.model import build_model
from crm_ve.reader import parse_cib

CIB = """<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>
<template id="t_fs" class="ocf" provider="heartbeat" type="Filesystem">
  <operations><op id="t_fs-mon" name="monitor" interval="20s" timeout="40s"/></operations>
</template>
<primitive id="p_a" class="ocf" provider="heartbeat" type="Dummy">
  <operations>
    <!-- a comment between ops -->
    <op id="p_a-start" name="start" interval="0s" timeout="90s"/>
    <op id="p_a-mon" name="monitor" interval="10s"><meta_attributes id="p_a-mon-meta">
      <nvpair id="p_a-mon-to" name="timeout" value="25s"/></meta_attributes></op>
    <op id-ref="shared-stop"/>
    <op id="p_a-mon2" name="monitor" interval="30s" role="Promoted" enabled="false"/>
  </operations>
</primitive>
<primitive id="p_b" class="ocf" provider="heartbeat" type="Dummy">
  <operations id="p_b-ops"><op id="shared-stop" name="stop" interval="0s" timeout="100s"/></operations>
</primitive>
<primitive id="p_c" class="ocf" provider="heartbeat" type="Dummy"><operations id-ref="p_b-ops"/></primitive>
<primitive id="p_fs" template="t_fs"><operations><op id="p_fs-start" name="start" interval="0" timeout="60s"/>
</operations></primitive>
</resources><constraints/></configuration><status/></cib>"""


def _model():
    return build_model(parse_cib(CIB.encode(), "ops.xml"))


def test_each_operation_finds_its_own_element():
    model = _model()
    seen = {rid: [(op.name, op.interval_ms, op.role.value, op.timeout, op.id, op.line,
                   op.element.get("enabled"))
                  for op in model.resources[rid].operations] for rid in ("p_a", "p_b", "p_c", "p_fs")}
    assert seen["p_a"] == [("start", 0, "Started", "90s", "p_a-start", 8, None),
                           ("monitor", 10000, "Started", "25s", "p_a-mon", 9, None),
                           ("stop", 0, "Started", "100s", "shared-stop", 16, None),
                           ("monitor", 30000, "Promoted", None, "p_a-mon2", 12, "false")]
    assert seen["p_b"] == [("stop", 0, "Started", "100s", "shared-stop", 16, None)]
    assert seen["p_c"] == seen["p_b"]
    assert seen["p_fs"] == [("start", 0, "Started", "60s", "p_fs-start", 19, None),
                            ("monitor", 20000, "Started", "40s", "t_fs-mon", 3, None)]


def test_a_found_element_is_the_tree_element_and_operations_compare_by_value():
    model = _model()
    first, again = _model().resources["p_a"].operations, model.resources["p_a"].operations
    assert first[0].element is not again[0].element and first[0] != again[0]  # two trees
    element = model.document.configuration.find("resources/primitive/operations/op")
    assert again[0].element is element and again[0] == model.resources["p_a"].operations[0]
    assert "p_a-start" not in repr(again[0]) and "start" in repr(again[0])
