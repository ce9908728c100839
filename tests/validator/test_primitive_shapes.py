"""The primitives' shapes read by one XSLT in the background (crm_ve.model.primitive_shapes) answer exactly what
each Resource reads from its own XML: ``op_fields()`` and whether it has meta blocks (``meta_key``).

Checked on a hand-written CIB with every case the transform must tell apart, a seeded random family, the bench's
generator and Pacemaker's scheduler corpus; and a document whose input has character references (where an
attribute may hold a tab or a newline, the transform's separators) is never read that way.
"""
import random
import sys
from pathlib import Path

import pytest

from crm_ve.model import build_model
from crm_ve.reader import parse_cib, read_cib
from support.corpus import corpus_files

CIB = """<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>
<template id="t_fs" class="ocf" provider="heartbeat" type="Filesystem">
  <meta_attributes id="t_fs-m"><nvpair id="t_fs-m-t" name="target-role" value="Started"/></meta_attributes>
  <operations><op id="t_fs-mon" name="monitor" interval="20s" timeout="40s"/></operations>
</template>
<primitive id="plain" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="plain-start" name="start" interval="0s" timeout="90s"/>
  <op id="plain-mon" name="monitor" interval="10s" role="Promoted" timeout=""/><op id="plain-x"/></operations>
  <operations><!-- a second block --><op id="plain-stop" name="stop" interval="0" timeout="1m"/></operations>
</primitive>
<primitive id="with-meta" class="ocf" provider="heartbeat" type="Dummy">
  <meta_attributes id="wm-m"><nvpair id="wm-m-t" name="allow-migrate" value="true"/></meta_attributes></primitive>
<primitive id="empty-meta" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="em-m"/></primitive>
<primitive id="op-blocks" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="ob-mon" name="monitor" interval="10s"><meta_attributes id="ob-m">
  <nvpair id="ob-t" name="timeout" value="25s"/></meta_attributes></op></operations></primitive>
<primitive id="op-comment" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="oc-mon" name="monitor" interval="10s"><!-- note --></op></operations></primitive>
<primitive id="block-ref" class="ocf" provider="heartbeat" type="Dummy"><operations id-ref="shared-ops"/></primitive>
<primitive id="op-ref" class="ocf" provider="heartbeat" type="Dummy"><operations><op id-ref="plain-start"/>
  </operations></primitive>
<primitive id="shared" class="ocf" provider="heartbeat" type="Dummy"><operations id="shared-ops">
  <op id="s-start" name="start" interval="0s" timeout="äöü 30s"/></operations></primitive>
<primitive id="templated" template="t_fs"/>
<primitive id="missing-template" template="nope"><operations><op id="mt-s" name="start" interval="0s"/>
  </operations></primitive>
<primitive id="twice" class="ocf" provider="heartbeat" type="Dummy"/>
<group id="g"><primitive id="twice" class="ocf" provider="heartbeat" type="Dummy">
  <meta_attributes id="tw-m"/></primitive>
  <primitive id="member" class="ocf" provider="heartbeat" type="Dummy"/></group>
<clone id="c"><group id="cg"><primitive id="deep" class="ocf" provider="heartbeat" type="Dummy">
  <operations><op id="deep-mon" name="monitor" interval="5s"/></operations></primitive></group></clone>
<bundle id="b"><docker image="x"/><primitive id="in-bundle" class="ocf" provider="heartbeat" type="Dummy"/></bundle>
<primitive class="ocf" provider="heartbeat" type="Dummy"/>
</resources><constraints/></configuration><status/></cib>"""


def answers(document, shapes):
    """rid -> (op_fields(), meta_key) of a fresh model, with the background shapes or without."""
    model = build_model(document)
    if shapes:
        model.primitive_shapes.start()
    return {rid: (resource.op_fields(), resource.meta_key) for rid, resource in model.resources.items()}


def disagreements(document):
    read, shaped = answers(document, False), answers(document, True)
    return [f"{document.name} {rid}: {read[rid]!r} != {shaped[rid]!r}" for rid in read if read[rid] != shaped[rid]]


def test_the_hand_written_cases():
    document = parse_cib(CIB.encode(), "shapes.xml")
    assert document.character_references is False
    assert not disagreements(document)
    model = build_model(document)
    model.primitive_shapes.start()
    # the cases are what they claim (so the agreement above covers them)
    assert model.primitive_shapes.get("plain") == (False, "1start\t10s\t0\t190s\t1monitor\t110s\t1Promoted\t1"
                                                          "\t0\t0\t0\t0\t1stop\t10\t0\t11m")
    assert model.resources["plain"].op_fields() == (("start", "0s", None, "90s"), ("monitor", "10s", "Promoted", ""),
                                                    (None, None, None, None), ("stop", "0", None, "1m"))
    assert model.primitive_shapes.get("with-meta")[0] and model.primitive_shapes.get("empty-meta")[0]
    for rid in ("op-blocks", "op-comment", "block-ref", "op-ref"):
        assert model.primitive_shapes.get(rid) == (False, None), rid
    assert model.resources["shared"].op_fields() == (("start", "0s", None, "äöü 30s"),)
    assert model.primitive_shapes.get("twice") is None  # an id written twice: the resource reads its own XML
    assert model.primitive_shapes.get("deep") and model.primitive_shapes.get("in-bundle")


def test_character_references_keep_the_resources_reading_their_own_xml():
    xml = CIB.replace('timeout="90s"', 'timeout="9&#9;0s"').replace('id="deep"', 'id="de&#10;ep"')
    document = parse_cib(xml.encode(), "refs.xml")
    assert document.character_references is True
    model = build_model(document)
    model.primitive_shapes.start()
    assert model.primitive_shapes.get("plain") is None
    assert model.resources["plain"].op_fields()[0] == ("start", "0s", None, "9\t0s")
    assert not disagreements(document)
    utf16 = parse_cib(CIB.replace("<cib", '<?xml version="1.0" encoding="UTF-16"?><cib', 1).encode("utf-16"),
                      "utf16.xml")
    assert utf16.character_references is True  # a wide encoding is not scanned for "&#": assumed


def _random_cib(rng, index):
    def attrs():
        out = ""
        for name, values in (("name", ("start", "stop", "monitor", "")), ("interval", ("0", "0s", "10s", "")),
                             ("role", ("Promoted", "Slave", "")), ("timeout", ("20s", "1m", "", "x y"))):
            if rng.random() < 0.8:
                out += f' {name}="{rng.choice(values)}"'
        return out

    parts, n = [], 0
    for _ in range(rng.randint(1, 8)):
        n += 1
        inner = ""
        if rng.random() < 0.3:
            inner += f'<meta_attributes id="m{n}"/>'
        for b in range(rng.randint(0, 2)):
            ops = ""
            for o in range(rng.randint(0, 3)):
                kind = rng.random()
                if kind < 0.1:
                    ops += f'<op id-ref="o{n}-{b}-{o}"/>'
                elif kind < 0.2:
                    ops += f'<op id="o{n}-{b}-{o}"{attrs()}><!-- c --></op>'
                elif kind < 0.25:
                    ops += "<!-- between -->"
                else:
                    ops += f'<op id="o{n}-{b}-{o}"{attrs()}/>'
            ref = ' id-ref="elsewhere"' if rng.random() < 0.05 else ""
            inner += f'<operations id="ops{n}-{b}"{ref}>{ops}</operations>'
        rid = f"p{rng.randint(1, n)}"  # ids repeat now and then
        primitive = f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy">{inner}</primitive>'
        wrap = rng.random()
        parts.append(primitive if wrap < 0.6 else f'<group id="g{n}">{primitive}</group>' if wrap < 0.8
                     else f'<clone id="c{n}">{primitive}</clone>')
    xml = (f'<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>{"".join(parts)}'
           f'</resources><constraints/></configuration><status/></cib>')
    return parse_cib(xml.encode(), f"random-{index}.xml")


def test_a_seeded_random_family():
    rng = random.Random(20261126)
    problems = []
    for index in range(300):
        problems += disagreements(_random_cib(rng, index))
    assert not problems, "\n".join(problems[:20])


def test_the_bench_generator():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from gen_cib import generate
    assert not disagreements(parse_cib(generate(400, 20).encode(), "bench.xml"))


@pytest.mark.parametrize("half", (0, 1))
def test_the_scheduler_corpus(half):
    problems = []
    for path in corpus_files()[half::2]:
        problems += disagreements(read_cib(str(path)))
    assert not problems, "\n".join(problems[:20])


def test_the_transform_reads_the_whole_tree_so_the_checking_thread_sees_it_unchanged(monkeypatch):
    """lxml runs an XSLT given an inner element on a stand-in document whose root takes over that element's
    children (their parent links point to it until the transform ends): in the background that showed the
    checking thread wrong parents (a finding's line changed). Given the tree, lxml uses the document as it is."""
    import crm_ve.model.primitive_shapes as shapes_module
    real, given = shapes_module._transform(), []

    def recording(tree):
        given.append(tree)
        return real(tree)

    monkeypatch.setattr(shapes_module, "_TRANSFORM", recording)
    for xml in (CIB, CIB[CIB.index("<configuration>"):CIB.index("</configuration>") + len("</configuration>")]):
        document = parse_cib(xml.encode(), "tree.xml")
        shapes = shapes_module.read_shapes(document)
        assert given[-1].getroot() is document.root and shapes["deep"] == (False, "1monitor\t15s\t0\t0")
