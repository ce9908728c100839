"""Rule.prepare: called for every selected rule before any rule's check; a raising prepare fails its rule like
a raising check (reported by plugin name, the other rules still run); rules without one are unaffected."""
from crm_ve.checker import check_document
from crm_ve.findings import Finding, Rule, RuleDoc, Severity
from crm_ve.reader import parse_cib
from crm_ve.rules import op_timeouts

CIB = (b'<cib validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources>'
       b'<primitive id="p_dummy" class="ocf" provider="heartbeat" type="Dummy"/>'
       b"</resources><constraints/></configuration><status/></cib>")

DOC = RuleDoc(what_it_does="test", why_is_this_bad="test", example="", use_instead="")


def _rule(code, events, prepare=None, check=None):
    def default_check(context):
        events.append(("check", code))
        return [Finding.of(rule, f"{code} ran", resources=("p_dummy",))]

    rule = Rule(code=code, name=f"test-{code.lower()}", severity=Severity.WARNING, summary="test", doc=DOC,
                check=check or default_check, plugin=f"plugin-{code.lower()}", prepare=prepare)
    return rule


def test_every_prepare_runs_before_any_check_and_hands_its_result_to_the_check():
    events = []

    def prepare_a(context):
        events.append(("prepare", "XA1"))
        context.prepared["XA1"] = "started in prepare"

    def check_a(context):
        events.append(("check", "XA1", context.prepared.get("XA1")))
        return []

    rules = [_rule("XA1", events, prepare=prepare_a, check=check_a), _rule("XB1", events),
             _rule("XC1", events, prepare=lambda context: events.append(("prepare", "XC1")))]
    findings, failures = check_document(parse_cib(CIB, "t.xml"), rules, ())
    assert failures == []
    assert events == [("prepare", "XA1"), ("prepare", "XC1"), ("check", "XA1", "started in prepare"),
                      ("check", "XB1"), ("check", "XC1")]
    assert [f.code for f in findings] == ["XB1", "XC1"]


def test_a_raising_prepare_is_reported_like_a_raising_check_and_the_others_still_run():
    events = []

    def broken(context):
        raise RuntimeError("no agent here")

    rules = [_rule("XA1", events, prepare=broken), _rule("XB1", events),
             _rule("XC1", events, check=lambda context: (_ for _ in ()).throw(ValueError("bad check")))]
    findings, failures = check_document(parse_cib(CIB, "t.xml"), rules, ())
    assert [(f.plugin, f.code, f.file, f.error) for f in failures] == [
        ("plugin-xa1", "XA1", "t.xml", "RuntimeError: no agent here"),
        ("plugin-xc1", "XC1", "t.xml", "ValueError: bad check")]
    assert ("check", "XA1") not in events  # a rule whose prepare failed does not check half-prepared
    assert [f.code for f in findings] == ["XB1"]


def test_a_rule_without_prepare_works_unchanged():
    events = []
    plain = _rule("XB1", events)
    assert plain.prepare is None
    findings, failures = check_document(parse_cib(CIB, "t.xml"), [plain], ())
    assert failures == [] and [f.code for f in findings] == ["XB1"]


def test_cv504_prepares_its_agent_reads_and_its_check_waits_for_them():
    rule = op_timeouts.RULE
    assert rule.prepare is not None
    seen = {}

    def spy(context):
        seen["pending"] = context.prepared.get(rule.code)
        return op_timeouts.check(context)

    spying = Rule(code=rule.code, name=rule.name, severity=rule.severity, summary=rule.summary, doc=rule.doc,
                  check=spy, plugin="test", prepare=rule.prepare)
    findings, failures = check_document(parse_cib(CIB, "t.xml"), [spying], ())
    assert failures == []
    assert seen["pending"] is not None and hasattr(seen["pending"], "join")
