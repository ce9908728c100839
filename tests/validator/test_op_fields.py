"""Resource.op_fields: the (name, interval, role, timeout) attribute texts of a primitive's ops, read without
making Operations - exactly what its ``operations`` are made of; None where an op's fields are not its own
attributes alone (a template, an id-ref, an op with blocks) and for non-primitives."""
from crm_ve.model import build_model
from crm_ve.model.values import Role, parse_interval_ms
from crm_ve.reader import parse_cib

CIB = """<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>
<template id="t_fs" class="ocf" provider="heartbeat" type="Filesystem">
  <operations><op id="t_fs-mon" name="monitor" interval="20s" timeout="40s"/></operations>
</template>
<primitive id="p_a" class="ocf" provider="heartbeat" type="Dummy">
  <operations>
    <op id="p_a-start" name="start" interval="0s" timeout="90s"/>
    <op id="p_a-mon" name="monitor" interval="10s"><meta_attributes id="p_a-mon-meta">
      <nvpair id="p_a-mon-to" name="timeout" value="25s"/></meta_attributes></op>
  </operations>
</primitive>
<primitive id="p_b" class="ocf" provider="heartbeat" type="Dummy">
  <meta_attributes id="p_b-meta"><nvpair id="p_b-tm" name="target-role" value="Started"/></meta_attributes>
  <operations id="p_b-ops"><!-- shared --><op id="shared-stop" name="stop" interval="0s" timeout="100s"/>
    <op id="p_b-mon" name="monitor" interval="30" role="Slave"/></operations>
</primitive>
<primitive id="p_c" class="ocf" provider="heartbeat" type="Dummy"><operations id-ref="p_b-ops"/>
  <operations><op id-ref="shared-stop"/><op id="p_c-x"/></operations></primitive>
<primitive id="p_d" class="ocf" provider="heartbeat" type="Dummy"/>
<primitive id="p_f" class="ocf" provider="heartbeat" type="Dummy"><operations><!-- c -->
  <op id="p_f-stop" name="stop" interval="0s" timeout="100s"/><op id="p_f-x"/></operations></primitive>
<primitive id="p_fs" template="t_fs"/>
<group id="g"><primitive id="p_e" class="ocf" provider="heartbeat" type="Dummy"/></group>
</resources><constraints/></configuration><status/></cib>"""


def _resources():
    return build_model(parse_cib(CIB.encode(), "ops.xml")).resources


def test_op_fields_are_the_attribute_texts_of_the_ops():
    resources = _resources()
    b = (("stop", "0s", None, "100s"), ("monitor", "30", "Slave", None))
    assert resources["p_b"].op_fields() == b
    assert resources["p_c"].op_fields() is None  # id-refs
    assert resources["p_f"].op_fields() == (("stop", "0s", None, "100s"), (None, None, None, None))
    assert resources["p_d"].op_fields() == ()
    assert resources["p_a"].op_fields() is None  # an op with blocks
    assert resources["p_fs"].op_fields() is None  # a template's ops merged in
    assert resources["g"].op_fields() is None


def test_op_fields_make_the_operations_fields_whether_read_before_or_after_the_meta_blocks():
    for meta_first in (True, False):
        resources = _resources()
        for rid in ("p_b", "p_d", "p_e", "p_f"):
            resource = resources[rid]
            if meta_first:
                resource.meta_blocks
            fields = resource.op_fields()
            made = tuple((name or "", parse_interval_ms(interval), Role.parse(role), timeout)
                         for name, interval, role, timeout in fields)
            assert made == tuple((op.name, op.interval_ms, op.role, op.timeout) for op in resource.operations)
            assert resource.op_fields() == fields
