"""What each primitive's children say about its meta blocks and its operations, read in the background.

Three rules ask of every container whether it has meta blocks of its own (``Resource.meta_key``) and one compares
the texts of its ops (``Resource.op_fields``). Read through lxml that is some 400,000 calls at 20,000 containers
(a tenth of a second, holding the GIL); one XSLT transform reads the same in libxml2 without the GIL, so a rule's
``prepare`` starts it (:meth:`PrimitiveShapes.start`) and it overlaps the rules that run first. Not started, or
for a primitive it cannot describe exactly, nothing changes: the resource reads its own XML.

The transform visits the resource elements as ``read_resources`` does (``primitive``, ``group``, ``clone``,
``master``, ``bundle``, from ``<resources>`` down) and writes one line per primitive::

    ID <TAB> m-if-it-has-a-meta_attributes-child <TAB> !-if-its-ops-are-not-plain [<TAB> op field]...

where each op contributes four fields (name, interval, role, timeout), ``1value``, or ``0`` when absent. Ops are
"not plain" where ``op_fields`` answers None: an ``id-ref`` on an ``<operations>`` block, an op with children, an
op with an ``id-ref`` and no name. Tabs and newlines separate, and an attribute value holds one only through a
character reference (the parser turns literal ones into spaces), so the shapes are read only for a document
whose input has no ``&#`` at all (``CibDocument.character_references``). An id written twice is not used
either (the model keeps the first element, the transform may see another). Like every background read, it
reads a document nothing writes to while it is checked (rules read the model and copy what a fix changes).
"""
from lxml import etree

from crm_ve.background import BackgroundScan
from crm_ve.model.values import remember

_SHAPES_XSLT = b"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/">
  <xsl:apply-templates select="/cib/configuration[1]/resources[1]/* | /configuration/resources[1]/*"/>
</xsl:template>
<xsl:template match="group|clone|master|bundle"><xsl:apply-templates select="*"/></xsl:template>
<xsl:template match="primitive">
  <xsl:value-of select="@id"/>
  <xsl:text>&#9;</xsl:text>
  <xsl:if test="meta_attributes">m</xsl:if>
  <xsl:text>&#9;</xsl:text>
  <xsl:variable name="ops" select="operations/op"/>
  <xsl:choose>
    <xsl:when test="operations[@id-ref] or $ops[node()[not(self::text())] or (not(@name) and @id-ref)]">!</xsl:when>
    <xsl:otherwise>
      <xsl:for-each select="$ops">
        <xsl:value-of select="concat('&#9;', count(@name), @name, '&#9;', count(@interval), @interval,
                                     '&#9;', count(@role), @role, '&#9;', count(@timeout), @timeout)"/>
      </xsl:for-each>
    </xsl:otherwise>
  </xsl:choose>
  <xsl:text>&#10;</xsl:text>
</xsl:template>
<xsl:template match="*"/>
</xsl:stylesheet>"""

_TRANSFORM = None


def _transform():
    global _TRANSFORM
    if _TRANSFORM is None:
        _TRANSFORM = etree.XSLT(etree.XML(_SHAPES_XSLT))
    return _TRANSFORM


#: A primitive's entry: (has a meta_attributes child, the raw op text or None when the ops are not plain).
_NOT_PLAIN = None


def read_shapes(document):
    """``id -> (has a meta_attributes child, op text or None)`` for the primitives of ``document``'s
    ``<resources>`` (the model's: the first in the first ``<configuration>``); the op text is turned into
    ``op_fields`` tuples by :func:`op_fields_of` (once per distinct text).

    The transform is given the whole tree: given an inner element, lxml would make it the root of a stand-in
    document by pointing its children's parent links elsewhere for the duration, under the checking thread."""
    text = str(_transform()(document.root.getroottree()))
    shapes, repeated = {}, set()
    for line in text.split("\n"):
        if not line:
            continue
        rid, meta, plain, ops = (line.split("\t", 3) + [""])[:4]
        if not rid:
            continue
        if rid in shapes:
            repeated.add(rid)
        shapes[rid] = (meta == "m", _NOT_PLAIN if plain == "!" else ops)
    for rid in repeated:
        del shapes[rid]
    return shapes


_FIELDS: dict = {}


def op_fields_of(ops_text):
    """The ``op_fields`` tuple the op text of :func:`read_shapes` stands for (remembered per distinct text)."""
    try:
        return _FIELDS[ops_text]
    except KeyError:
        pass
    values = [None if field == "0" else field[1:] for field in ops_text.split("\t")] if ops_text else []
    return remember(_FIELDS, ops_text, tuple(tuple(values[i:i + 4]) for i in range(0, len(values), 4)), 4096)


class PrimitiveShapes:
    """The shapes of one model's primitives, read by :func:`read_shapes` in the background once started."""

    def __init__(self, document):
        self._scan = BackgroundScan(lambda: read_shapes(document)) if document is not None else None
        self._shapes = None

    def start(self):
        """Start reading (a rule's ``prepare`` does); until then :meth:`get` knows nothing."""
        if self._scan is not None and self._shapes is None and not self._scan.started:
            self._scan.start()
        return self

    def get(self, rid):
        """``(has a meta_attributes child, op text or None)`` of primitive ``rid``, or None when unknown (not
        started, not described, or the read failed: the resource then reads its own XML)."""
        shapes = self._shapes
        if shapes is None:
            if self._scan is None or not self._scan.started:
                return None
            try:
                shapes = self._scan.result()
            except Exception:  # noqa: BLE001 - an optimisation only: the resources read their own XML
                shapes = {}
            self._shapes = shapes
        return shapes.get(rid)
