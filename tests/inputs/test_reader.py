"""The safe CIB reader: every bad input is one line naming it, exit 2, never a traceback; nothing is fetched."""
import json
import socket
import threading

from lxml import etree

from crm_ve.cli import main
from crm_ve.printable import printable
from support.plugin_dist import run_crm_ve

DRBD_PRIMITIVE = '<primitive id="d" class="ocf" provider="heartbeat" type="drbd"/>'
CIB = (
    '<?xml version="1.0"?>\n<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="1" num_updates="0">\n'
    "  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources>\n"
    f"      {DRBD_PRIMITIVE}\n    </resources>\n    <constraints/>\n  </configuration>\n</cib>\n"
)


def one_line_error(capsys, argv):
    """Run ``crm-ve`` in-process; assert exit 2 and one ``crm-ve:`` line on stderr; return that line."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    if "json" in argv:  # the report stays a valid document, listing the input's error
        report = json.loads(out)
        assert report["summary"]["exit_code"] == 2 and [printable(line) for e in report["input_errors"]
                                                          for line in e["error"].splitlines()] == [
            line[len("crm-ve: "):] for line in err.strip().splitlines()]
    else:
        assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-ve: "), err
    assert "Traceback" not in err
    return lines[0]


def test_the_well_formed_cib_used_below_is_read(tmp_path, capsys):
    path = tmp_path / "cib.xml"
    path.write_text(CIB)
    assert main(["check", "--format", "json", str(path)]) == 0
    assert '"CV301"' in capsys.readouterr().out


def test_truncated_xml(tmp_path, capsys):
    path = tmp_path / "cut.xml"
    path.write_text(CIB[: CIB.index("</resources>") + 5])
    line = one_line_error(capsys, ["check", str(path)])
    assert line.startswith(f"crm-ve: {path}:") and "malformed XML" in line


def test_non_cib_xml(tmp_path, capsys):
    path = tmp_path / "page.xml"
    path.write_text("<html><body><p>hello</p></body></html>\n")
    line = one_line_error(capsys, ["check", str(path)])
    assert line == f"crm-ve: {path}:1:1: not a CIB: the root element is <html>, expected <cib> or <configuration>"


def test_cib_without_configuration(tmp_path, capsys):
    path = tmp_path / "status-only.xml"
    path.write_text('<cib validate-with="pacemaker-3.9"><status/></cib>')
    assert "not a CIB: <cib> has no <configuration>" in one_line_error(capsys, ["check", str(path)])


def test_missing_file_and_directory(tmp_path, capsys):
    missing = tmp_path / "nope.xml"
    assert one_line_error(capsys, ["check", str(missing)]) == (
        f"crm-ve: {missing}: cannot read: No such file or directory"
    )
    assert one_line_error(capsys, ["check", str(tmp_path)]).startswith(f"crm-ve: {tmp_path}: cannot read:")


def test_empty_input(tmp_path, capsys):
    path = tmp_path / "empty.xml"
    path.write_text("\n  \n")
    assert "empty input" in one_line_error(capsys, ["check", str(path)])


def test_past_the_parsers_depth_limit(tmp_path, capsys):
    path = tmp_path / "deep.xml"
    path.write_text("<configuration>" + "<a>" * 400 + "</a>" * 400 + "</configuration>")
    assert "exceeds the parser's size limits" in one_line_error(capsys, ["check", str(path)])


def test_cli_subprocess_bad_input_is_one_line(tmp_path):
    path = tmp_path / "cut.xml"
    path.write_text(CIB[:60])
    result = run_crm_ve("check", path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert str(path) in result.stderr


# --- entity declarations: refused, and provably nothing read from disk or network -------------------------------

def external_entity_cib(target):
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE cib [<!ENTITY ext SYSTEM "{target}">]>\n'
        '<cib validate-with="pacemaker-3.9"><configuration><resources>&ext;</resources>'
        "<constraints/></configuration></cib>\n"
    )


def test_external_entity_is_refused_and_the_file_never_read(tmp_path, capsys):
    secret = tmp_path / "payload.xml"
    secret.write_text(DRBD_PRIMITIVE)
    document = external_entity_cib(secret.as_uri())
    # Control: a parser that expands entities would read the payload and the CIB would then have a finding.
    expanding = etree.fromstring(document.encode(), etree.XMLParser(resolve_entities=True, load_dtd=True))
    assert expanding.find("configuration/resources/primitive").get("type") == "drbd"
    path = tmp_path / "cib.xml"
    path.write_text(document)
    line = one_line_error(capsys, ["check", str(path)])
    assert line.startswith(f"crm-ve: {path}:2:1: refused: a document type declaration")
    # the JSON report stays a valid document: the input is listed as not checked, with nothing read from it
    assert main(["check", "--format", "json", str(path)]) == 2
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["findings"] == [] and [e["error"] for e in report["input_errors"]] == [line[len("crm-ve: "):]]


def test_wide_encoded_doctype_is_refused_too(tmp_path, capsys):
    secret = tmp_path / "payload.xml"
    secret.write_text(DRBD_PRIMITIVE)
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        path = tmp_path / f"cib-{encoding}.xml"
        text = external_entity_cib(secret.as_uri()).replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
        path.write_bytes(text.encode(encoding))
        assert "refused: a document type declaration" in one_line_error(capsys, ["check", str(path)])


class Listener:
    """A TCP server on localhost that counts the connections it accepts (the parser must make none)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def test_system_dtd_over_http_is_refused_without_a_connection(tmp_path, capsys):
    listener = Listener()
    try:
        # Control: the listener does see a client that connects.
        socket.create_connection(("127.0.0.1", listener.port)).close()
        for _ in range(50):
            if listener.connections:
                break
            threading.Event().wait(0.05)
        assert listener.connections == 1
        path = tmp_path / "cib.xml"
        path.write_text(
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE cib SYSTEM "http://127.0.0.1:{listener.port}/pacemaker.dtd">\n'
            '<cib validate-with="pacemaker-3.9"><configuration><resources/><constraints/></configuration></cib>\n'
        )
        nowhere = tmp_path / "cib-nowhere.xml"
        nowhere.write_text(path.read_text().replace(f"127.0.0.1:{listener.port}", "crm-ve-test.invalid"))
        assert "refused" in one_line_error(capsys, ["check", str(path)])
        assert "refused" in one_line_error(capsys, ["check", str(nowhere)])
    finally:
        listener.close()
    assert listener.connections == 1
