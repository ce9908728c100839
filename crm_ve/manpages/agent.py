"""ocf_crm-ve_ManageVE(7): the agent's page, from the agent itself (``meta-data`` and ``man-data``).

Better than resource-agents' ``man ocf_heartbeat_ManageVE``, point by point:

1. The title is whole: ``ocf_crm-ve_ManageVE(7)`` (DocBook's manpages stylesheet cuts it to 20 characters,
   ``OCF_HEARTBEAT_MANAGE``); docutils never truncates.
2. migrate_to and migrate_from are described the right way round: migrate_to runs on the source and moves the
   container away, migrate_from runs on the target and brings it here (upstream swaps them).
3. The crm shell example is accepted by crmsh (``timeout`` before ``OCF_CHECK_LEVEL``; upstream's
   ``op monitor depth="0" timeout=...`` is rejected with "Attribute order error"), and the pcs example by pcs;
   tests/man loads both into a CIB file with the real tools.
4. Examples use real values (``veid=101``, a dump path on the DRBD filesystem), never a type name as a placeholder
   (upstream's ``veid=integer`` is accepted by pcs and fails on every node).
5. The whole DRBD -> Filesystem -> container stack is shown with its order and colocation constraints, in crm
   shell and pcs syntax, not just a lone primitive.
6. Native migration is explained with what it needs: the dump must be on storage both nodes reach, so it never
   happens on an active/passive DRBD stack; checkpoint-on-stop, the way to keep a container's state across a
   DRBD failover move, has its own paragraph.
7. Each parameter shows its short description as well as its long one, its type, default, whether it is required
   and unique; "no default" is said only when there is none.
8. SYNOPSIS lists the actions of the agent's usage line and meta-data (one table in the agent), so the three never
   disagree; the deprecated ``status`` is not among them (upstream advertises it, with an interval, beside
   monitor) but listed apart with the other accepted, unadvertised actions. SUPPORTED ACTIONS says what each
   action does to the container, in the agent's words, with its advised timeout and interval; upstream prints one
   generic sentence per action name ("Starts the resource", "Performs a detailed status check").
9. EXIT STATUS, FILES and SEE ALSO (crm(8), pcs(8), vzctl(8), crm-ve(1), crm-ve-rules(7)) exist; upstream has none
   of them, and its SEE ALSO is a URL.
10. No build date in the footer (the page is reproducible: a fixed date), and at 80 columns no hyphenated paths,
    ids or options and no stretched spaces (``.nh``, ragged right); examples are verbatim literal blocks.

Nothing the agent says is written here: descriptions, parameters, types, defaults and timeouts are read from its
meta-data when the page is generated; action descriptions, exit codes, files, examples and see-also entries from
its ``man-data`` (kept beside its action table). Only what is about Pacemaker rather than the agent (what
``allow-migrate=true`` makes Pacemaker do, how to stack the container on DRBD) lives in this module.
"""
import re

from crm_ve import install
from crm_ve.errors import CrmVeError
from crm_ve.manpages import DATE, SOURCE, agent_docs
from crm_ve.manpages.doctree import (
    Page, bold, code, example, italic, manref, para, paragraphs, subsection, terms,
)
from crm_ve.package_files import agent_path

#: The provider directory the installer puts the agent in; the agent's man-data must say the same.
PROVIDER = install.AGENT_TARGET.split("/")[-2]
INSTALLED_PATH = "/" + install.AGENT_TARGET

#: The project's own pages, which the agent cannot know about.
PROJECT_SEE_ALSO = ("crm-ve(1)", "crm-ve-rules(7)")

_LABELLED = re.compile(r"^([A-Z][^.:]{2,60}):\s+(\S.*)$", re.S)
_SEE_ALSO = re.compile(r"^(\S+)\((\d\w*)\)$")


def build(path=None):
    docs = agent_docs.load(path or agent_path())
    meta, man = docs.meta, docs.man
    if man.get("provider") != PROVIDER:
        raise CrmVeError(f"man: the agent says its provider is {man.get('provider')!r}; crm-ve install puts it in "
                         f"{PROVIDER!r}")
    spec = f"ocf:{PROVIDER}:{meta.name}"
    page = Page(f"ocf_{PROVIDER}_{meta.name}", 7, meta.shortdesc, manual="OCF resource agents", source=SOURCE,
                date=DATE)
    advertised = meta.action_names()
    page.section(
        "Synopsis",
        para(code(meta.name), " {", *_joined([code(name) for name in advertised], " | "), "}"),
        para("Installed as ", code(INSTALLED_PATH), ", known to Pacemaker, crmsh and pcs as ", code(spec), "."),
    )
    description = page.section("Description", *_longdesc(meta.longdesc))
    _with_pacemaker(description, meta)
    page.section("Supported parameters", terms([_parameter_item(p) for p in meta.parameters]))
    page.section("Supported actions", *_actions(meta, man))
    page.section("Exit status", terms([
        ([code(str(row["code"])), f" ({row['name']})"], para(_sentence(row["meaning"]))) for row in man["exit_status"]
    ]))
    page.section("Files", terms([(code(row["path"]), para(_sentence(row["description"]))) for row in man["files"]]))
    examples = page.section("Examples")
    for item in man["examples"]:
        subsection(examples, item["title"], example(item["text"]))
    page.section("See also", para(*_see_also(man["see_also"])))
    return page


def examples(path=None):
    """The examples exactly as the page prints them: ``[(title, tool, text)]`` (tests run them)."""
    man = agent_docs.load(path or agent_path()).man
    return [(item["title"], item["tool"], item["text"]) for item in man["examples"]]


def _longdesc(text):
    """The agent's long description; a paragraph that opens with a short label ("Native migration: ...") gets
    the label in bold, so the topics stand out at 80 columns."""
    blocks = []
    for block in paragraphs(text, inline=lambda t: [t]):
        match = _LABELLED.match(block.astext())
        if match:
            rest = match.group(2)
            block = para(bold(match.group(1) + ":"), " ", rest)
        blocks.append(block)
    return blocks


def _with_pacemaker(section, meta):
    """What Pacemaker does with the agent: about the cluster, so not in the agent's meta-data."""
    dumpfile = meta.parameter("dumpfile").name
    checkpoint = meta.parameter("checkpoint_on_stop").name
    blocks = []
    if {"migrate_to", "migrate_from"} <= set(meta.action_names()):
        blocks.append(para(
            bold("allow-migrate=true:"), " this resource meta attribute makes Pacemaker move the running container "
            "by native migration instead of stop and start: it runs ", code("migrate_to"), " on the source node, "
            "which moves the container away (a checkpoint into ", code(dumpfile), "), then ", code("migrate_from"),
            " on the target node, which brings it in (a restore), then a stop on the source node, which finds it "
            "already stopped. Because the target reads the dump that the source wrote, ", code(dumpfile),
            " must be on storage reachable from both nodes at once (a cluster filesystem, NFS, dual-primary DRBD). "
            "Pacemaker migrates only a resource that depends on nothing else that has to move with it; above an "
            "active/passive DRBD device and its Filesystem it always stops and starts the container, with or "
            "without allow-migrate.",
        ))
    blocks.append(para(
        bold("On DRBD:"), " with ", code(f"{checkpoint}=true"), ", the dump must be on the Filesystem that moves "
        "with the container, written before that Filesystem is unmounted and read after it is mounted on the "
        "peer: order the container after the Filesystem and the Filesystem after the DRBD promotion, and colocate "
        "them (a group does both for the Filesystem and the container), as in EXAMPLES. ",
        code("crm-ve check"), " reports stacks that miss any of these constraints.",
    ))
    subsection(section, "With Pacemaker", *blocks)


def _parameter_item(parameter):
    facts = [parameter.type, "required" if parameter.required else "optional"]
    if parameter.unique:
        facts.append("unique")
    if parameter.default is None:
        facts.append("no default")
    elif parameter.default == "":
        facts.append("default empty")
    else:
        facts.append(f"default {parameter.default}")
    term = [bold(parameter.name), " (", ", ".join(facts), ")"]
    body = []
    if parameter.shortdesc and not parameter.longdesc.startswith(parameter.shortdesc):
        body.append(para(italic(_sentence(parameter.shortdesc))))
    body += paragraphs(parameter.longdesc, inline=lambda t: [t])
    return term, body or [para("")]


def _actions(meta, man):
    described = {row["name"]: row.get("description") for row in man["actions"]}
    items = []
    for name in meta.action_names():
        if not described.get(name):
            raise CrmVeError(f"man: the agent's man-data does not describe its action {name!r}")
        body = [para(described[name])]
        for action in (a for a in meta.actions if a.name == name):
            facts = [f"advised timeout {action.timeout}"] if action.timeout else []
            if action.interval and action.interval not in ("0", "0s"):
                facts.append(f"interval {action.interval}")
            if action.depth not in (None, "0"):
                facts.append(f"OCF_CHECK_LEVEL={action.depth}")
            if action.role:
                facts.append(f"role {action.role}")
            if facts:
                text = ", ".join(facts)
                body.append(para(_sentence(text[0].upper() + text[1:])))
        items.append((bold(name), body))
    blocks = [terms(items)]
    hidden = [row for row in man["hidden_actions"] if row["name"] not in described]
    if hidden:
        blocks.append(para("Also accepted, but not advertised to the cluster (neither in the meta-data nor in the "
                           "usage line):"))
        blocks.append(terms([(bold(row["name"]), para(row["description"])) for row in hidden]))
    return blocks


def _see_also(entries):
    refs = list(dict.fromkeys(list(entries) + list(PROJECT_SEE_ALSO)))
    parts = []
    for ref in refs:
        match = _SEE_ALSO.match(ref)
        if not match:
            raise CrmVeError(f"man: the agent's man-data lists {ref!r} in see_also, expected NAME(SECTION)")
        if parts:
            parts.append(", ")
        parts += manref(match.group(1), match.group(2))
    return parts


def _sentence(text):
    """Text ending with a full stop; its case is left alone (it may open with a command such as vzctl)."""
    text = text.strip()
    return text + ("" if text.endswith(".") else ".")


def _joined(items, separator):
    out = []
    for item in items:
        if out:
            out.append(separator)
        out.append(item)
    return out
