"""Generate realistic CIBs for the validator benchmark: N containers spread over S DRBD stacks.

Each stack is a promotable DRBD clone (``ocf:linbit:drbd``), a Filesystem on ``/dev/drbd/by-res/RES/0``
colocated with the Promoted role and ordered after promote, and its containers (``ocf:heartbeat:ManageVE``)
each colocated with and ordered after the Filesystem, with monitor operations and a few location preferences,
as a real cluster's CIB looks. Usage: ``python bench/gen_cib.py CONTAINERS STACKS OUT.xml``.
"""
import sys


def generate(containers, stacks):
    resources, constraints = [], []
    for s in range(stacks):
        res = f"r{s}"
        resources.append(
            f'<clone id="ms_drbd_{res}"><meta_attributes id="ms_drbd_{res}-meta">'
            f'<nvpair id="ms_drbd_{res}-promotable" name="promotable" value="true"/>'
            f'<nvpair id="ms_drbd_{res}-promoted-max" name="promoted-max" value="1"/>'
            f'<nvpair id="ms_drbd_{res}-promoted-node-max" name="promoted-node-max" value="1"/>'
            f'<nvpair id="ms_drbd_{res}-clone-max" name="clone-max" value="2"/>'
            f'<nvpair id="ms_drbd_{res}-clone-node-max" name="clone-node-max" value="1"/>'
            f'<nvpair id="ms_drbd_{res}-notify" name="notify" value="true"/></meta_attributes>'
            f'<primitive id="p_drbd_{res}" class="ocf" provider="linbit" type="drbd">'
            f'<instance_attributes id="p_drbd_{res}-ia"><nvpair id="p_drbd_{res}-res" name="drbd_resource" '
            f'value="{res}"/></instance_attributes><operations>'
            f'<op id="p_drbd_{res}-mon-p" name="monitor" interval="29s" role="Promoted"/>'
            f'<op id="p_drbd_{res}-mon-u" name="monitor" interval="31s" role="Unpromoted"/>'
            f"</operations></primitive></clone>"
        )
        resources.append(
            f'<primitive id="p_fs_{res}" class="ocf" provider="heartbeat" type="Filesystem">'
            f'<instance_attributes id="p_fs_{res}-ia">'
            f'<nvpair id="p_fs_{res}-dev" name="device" value="/dev/drbd/by-res/{res}/0"/>'
            f'<nvpair id="p_fs_{res}-dir" name="directory" value="/vz/{res}"/>'
            f'<nvpair id="p_fs_{res}-type" name="fstype" value="ext4"/></instance_attributes><operations>'
            f'<op id="p_fs_{res}-mon" name="monitor" interval="20s" timeout="40s"/>'
            f'<op id="p_fs_{res}-start" name="start" interval="0s" timeout="60s"/>'
            f'<op id="p_fs_{res}-stop" name="stop" interval="0s" timeout="60s"/></operations></primitive>'
        )
        constraints.append(
            f'<rsc_colocation id="c_fs_{res}" score="INFINITY" rsc="p_fs_{res}" with-rsc="ms_drbd_{res}" '
            f'with-rsc-role="Promoted"/>'
            f'<rsc_order id="o_fs_{res}" kind="Mandatory" first="ms_drbd_{res}" first-action="promote" '
            f'then="p_fs_{res}" then-action="start"/>'
            f'<rsc_location id="l_ms_{res}" rsc="ms_drbd_{res}" role="Promoted" node="node{s % 2 + 1}" score="50"/>'
        )
    for c in range(containers):
        res = f"r{c % stacks}"
        ve = f"p_ve{101 + c}"
        resources.append(
            f'<primitive id="{ve}" class="ocf" provider="heartbeat" type="ManageVE">'
            f'<instance_attributes id="{ve}-ia"><nvpair id="{ve}-veid" name="veid" value="{101 + c}"/>'
            f"</instance_attributes><operations>"
            f'<op id="{ve}-mon" name="monitor" interval="30s" timeout="30s"/>'
            f'<op id="{ve}-start" name="start" interval="0s" timeout="75s"/>'
            f'<op id="{ve}-stop" name="stop" interval="0s" timeout="75s"/></operations></primitive>'
        )
        constraints.append(
            f'<rsc_colocation id="c_{ve}" score="INFINITY" rsc="{ve}" with-rsc="p_fs_{res}"/>'
            f'<rsc_order id="o_{ve}" kind="Mandatory" first="p_fs_{res}" then="{ve}"/>'
        )
    return (
        '<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" '
        'have-quorum="1"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options">'
        '<nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
        '<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>'
        f"<resources>{''.join(resources)}</resources><constraints>{''.join(constraints)}</constraints>"
        "</configuration><status/></cib>\n"
    )


if __name__ == "__main__":
    count, stacks, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(out, "w") as handle:
        handle.write(generate(count, stacks))
