"""Issue 17 item 12: a DOCTYPE is refused before parsing in whatever encoding the document is written.

UTF-7 hides ``<`` as ``+ADw-``, EBCDIC moves every letter: a byte scan for ``<!DOCTYPE`` misses both, and libxml2
would then read (and, with a lax parser, expand) the declaration. Each document below declares an external
entity naming a payload file, on its second line; the refusal must name that line (the parser's after-the-fact
check could only say 1:1), and the payload is never read into a finding.
"""
import pytest

from crm_ve.errors import InputError
from crm_ve.reader import refuse_doctype
from support.inprocess_cli import crm_ve  # noqa: F401

PAYLOAD = '<primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>'


def hostile(encoding, target):
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<!DOCTYPE cib [<!ENTITY ext SYSTEM "{target}">]>\n'
        '<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="1" num_updates="0"><configuration>'
        "<crm_config/><nodes/><resources>&ext;</resources><constraints/></configuration></cib>\n"
    )


def utf7_hiding_markup(text):
    """UTF-7 as an attacker writes it: ``<`` as ``+ADw-`` (Python's encoder leaves ``<`` as it is)."""
    return text.replace("<", "+ADw-").replace("+ADw-?xml", "<?xml", 1).encode("ascii")


#: declared name -> Python codec writing the bytes
ENCODINGS = {
    "UTF-8": "utf-8", "UTF-7": "utf-7", "UTF-16": "utf-16", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be",
    "UTF-32": "utf-32", "UTF-32LE": "utf-32-le", "UTF-32BE": "utf-32-be", "IBM037": "cp037", "IBM500": "cp500",
    "ISO-8859-1": "latin-1", "Shift_JIS": "shift_jis", "EUC-JP": "euc-jp",
}


@pytest.mark.parametrize("declared", sorted(ENCODINGS))
def test_doctype_is_refused_at_its_line_in_every_encoding(declared, tmp_path, crm_ve):
    secret = tmp_path / "payload.xml"
    secret.write_text(PAYLOAD)
    path = tmp_path / f"cib-{declared}.xml"
    text = hostile(declared, secret.as_uri())
    path.write_bytes(utf7_hiding_markup(text) if declared == "UTF-7" else text.encode(ENCODINGS[declared]))
    code, out, err = crm_ve("check", path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err == f"crm-ve: {path}:2:1: refused: a document type declaration (DTD or entity declarations) is not " \
                  "allowed in a CIB; nothing was expanded or fetched\n"


def test_utf7_doctype_is_invisible_to_a_byte_scan():
    """Control: the UTF-7 document holds no ``<!DOCTYPE`` bytes at all, yet it is refused before parsing."""
    data = utf7_hiding_markup(hostile("UTF-7", "file:///etc/passwd"))
    assert b"<!DOCTYPE" not in data and b"+ADw-!DOCTYPE" in data
    with pytest.raises(InputError, match=r"^x:2:1: refused: a document type declaration"):
        refuse_doctype("x", data)


def test_a_declared_encoding_that_does_not_match_the_bytes_is_scanned_both_ways():
    """ASCII bytes declared UTF-16: libxml2 may read them as they are, so the plain bytes are scanned too."""
    data = hostile("UTF-16", "file:///etc/passwd").encode("ascii")
    with pytest.raises(InputError, match="refused: a document type declaration"):
        refuse_doctype("x", data)


def test_an_encoding_that_cannot_be_read_is_refused(tmp_path, crm_ve):
    path = tmp_path / "odd.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="X-NO-SUCH-CODEC"?>\n<cib/>\n')
    code, _, err = crm_ve("check", path)
    assert code == 2 and "refused: the encoding 'X-NO-SUCH-CODEC' is not one crm-ve can read" in err
    path.write_bytes("<?xml version='1.0'?><cib/>".encode("utf-32-be")[1:] + b"\x00")  # UCS-4 order 2143
    code, _, err = crm_ve("check", path)
    assert code == 2 and err.count("\n") == 1 and "refused" in err


def test_documents_without_a_doctype_in_these_encodings_still_parse(tmp_path, crm_ve):
    """Control for the refusals: the same CIB without its DOCTYPE is read in each encoding Python and this
    libxml2 share, and checked (its DRBD primitive outside a clone is CV301)."""
    for declared in ("UTF-16", "UTF-32", "ISO-8859-1", "UTF-16BE"):
        text = hostile(declared, "x").replace(hostile(declared, "x").splitlines()[1] + "\n", "")
        path = tmp_path / f"plain-{declared}.xml"
        path.write_bytes(text.replace("&ext;", PAYLOAD).encode(ENCODINGS[declared]))
        code, out, err = crm_ve("check", "--format", "json", path)
        assert code == 0 and '"CV301"' in out, (declared, err)
