"""ocf_crm-ve_ManageVE(7): what the agent says, once, plus what Pacemaker does with it; better than upstream's."""
import re
import shutil

import pytest

from crm_ve.manpages import agent as agent_page
from crm_ve.manpages import agent_docs
from crm_ve.package_files import agent_path
from support.man_render import AGENT_PAGE, flat, section

#: The committed pages are docutils 0.22's roff (Debian 12 has 0.19): not in the package build's tests.
pytestmark = pytest.mark.pypi


@pytest.fixture(scope="module")
def docs():
    return agent_docs.load(agent_path())


@pytest.fixture(scope="module")
def page(rendered):
    return rendered[AGENT_PAGE]


def test_name_line_is_the_agent_shortdesc(page, docs):
    assert flat(section(page, "NAME")) == f"ocf_crm-ve_ManageVE - {docs.meta.shortdesc}"


def test_synopsis_lists_every_action_of_the_usage_line(page, docs):
    usage = re.search(r"\{(.*)\}", docs.man["usage"]).group(1).split("|")
    assert usage == docs.meta.action_names(), "usage and meta-data disagree (the agent's bug)"
    synopsis = flat(section(page, "SYNOPSIS"))
    assert f"ManageVE {{{' | '.join(usage)}}}" in synopsis


def test_description_is_the_longdesc_once(page, docs):
    description = flat(section(page, "DESCRIPTION"))
    for paragraph in docs.meta.longdesc.split("\n\n"):
        assert description.count(flat(paragraph)) == 1, paragraph[:60]


def test_checkpoint_on_stop_paragraph_for_drbd_stacks(page):
    description = flat(section(page, "DESCRIPTION"))
    assert "Checkpoint on stop, restore on start: with checkpoint_on_stop=true, stop checkpoints" in description
    assert "A Pacemaker move over active/passive DRBD" in description
    assert "On DRBD: with checkpoint_on_stop=true, the dump must be on the Filesystem that moves with the " \
           "container" in description


def test_native_migration_paragraph_says_what_allow_migrate_does_and_needs(page):
    description = flat(section(page, "DESCRIPTION"))
    assert "allow-migrate=true: this resource meta attribute makes Pacemaker move the running container by " \
           "native migration instead of stop and start" in description
    assert "must be on storage reachable from both nodes at once" in description


def test_migrate_wording_is_the_right_way_round(page):
    description = flat(section(page, "DESCRIPTION"))
    assert "runs migrate_to on the source node, which moves the container away" in description
    assert "then migrate_from on the target node, which brings it in" in description
    actions = flat(section(page, "SUPPORTED ACTIONS"))
    assert re.search(r"migrate_to Runs on the source node\b", actions), actions
    assert re.search(r"migrate_from Runs on the target node\b", actions), actions
    # upstream's inverted sentences must not come back
    assert "migrating the resource to the node" not in actions and "away from the node" not in actions


def test_every_parameter_with_type_default_required_unique_and_both_descriptions(page, docs):
    parameters = flat(section(page, "SUPPORTED PARAMETERS"))
    for parameter in docs.meta.parameters:
        facts = re.search(rf"\b{re.escape(parameter.name)} \(([^)]*)\)", parameters)
        assert facts, parameter.name
        facts = facts.group(1).split(", ")
        assert facts[0] == parameter.type
        assert facts[1] == ("required" if parameter.required else "optional")
        assert ("unique" in facts) == parameter.unique
        if parameter.default:
            assert f"default {parameter.default}" in facts
        assert parameters.count(flat(parameter.longdesc)) == 1, parameter.name
        assert flat(parameter.shortdesc) in parameters


def test_every_advertised_action_with_its_advised_timeout(page, docs):
    actions = section(page, "SUPPORTED ACTIONS")
    described = {row["name"]: row["description"] for row in docs.man["actions"]}
    for action in docs.meta.actions:
        entry = re.search(rf"^       {re.escape(action.name)}\b(.*?)(?=^       \S|\Z)", actions, re.M | re.S)
        assert entry, action.name
        assert flat(described[action.name]) in flat(entry.group(1))
        assert f"Advised timeout {action.timeout}" in flat(entry.group(1))
        if action.interval:
            assert f"interval {action.interval}" in flat(entry.group(1))
    for row in docs.man["hidden_actions"]:
        assert f"{row['name']} {flat(row['description'])}" in flat(actions)


def test_exit_status_and_files_from_the_agent(page, docs):
    exit_status = flat(section(page, "EXIT STATUS"))
    for row in docs.man["exit_status"]:
        assert f"{row['code']} ({row['name']}) {flat(row['meaning'])}" in exit_status
    files = flat(section(page, "FILES"))
    for row in docs.man["files"]:
        assert f"{row['path']} {flat(row['description'])}" in files


def test_examples_verbatim_including_the_full_stack(page):
    lines = {line.strip() for line in section(page, "EXAMPLES").splitlines()}
    examples = agent_page.examples()
    assert {tool for _, tool, _ in examples} >= {"crm", "pcs"}
    for title, _, text in examples:
        assert title in lines
        for line in text.splitlines():
            assert line.strip() in lines, line
    stack = "\n".join(text for title, _, text in examples if "stack" in title.lower())
    for needle in ("ocf:linbit:drbd", "ocf:heartbeat:Filesystem", "ocf:crm-ve:ManageVE", "colocation", "order"):
        assert needle in stack


def test_see_also(page):
    see_also = flat(section(page, "SEE ALSO"))
    for ref in ("crm(8)", "pcs(8)", "vzctl(8)", "crm-ve(1)", "crm-ve-rules(7)"):
        assert ref in see_also


def test_nothing_the_agent_says_is_written_in_the_generator(docs):
    source = open(agent_page.__file__, encoding="utf-8").read()
    texts = [docs.meta.shortdesc] + [p for p in docs.meta.longdesc.split("\n\n")]
    texts += [p.shortdesc for p in docs.meta.parameters] + [p.longdesc for p in docs.meta.parameters]
    texts += [row["description"] for row in docs.man["actions"]] + [row["meaning"] for row in docs.man["exit_status"]]
    for text in texts:
        assert flat(text)[:40] not in flat(source), text[:60]


def _fake_agent(tmp_path, man_data):
    """An agent printing the real meta-data and the given man-data."""
    fake = tmp_path / "ManageVE"
    meta = agent_docs.run_action(agent_path(), "meta-data")
    (tmp_path / "meta.xml").write_text(meta)
    (tmp_path / "man.json").write_text(man_data)
    fake.write_text(f"#!/bin/sh\ncase $1 in meta-data) cat {tmp_path}/meta.xml;; man-data) cat {tmp_path}/man.json;; "
                    "*) exit 3;; esac\n")
    fake.chmod(0o755)
    return fake


def test_a_broken_agent_is_one_clear_error(tmp_path):
    broken = tmp_path / "ManageVE"
    broken.write_text("#!/bin/sh\necho 'not xml'\n")
    broken.chmod(0o755)
    with pytest.raises(agent_docs.CrmVeError, match=r"meta-data is not XML"):
        agent_page.build(broken)


@pytest.mark.parametrize("change,message", [
    (lambda man: man.pop("exit_status"), r"man-data: no 'exit_status'$"),
    (lambda man: man["hidden_actions"].append("status"),
     r"man-data: hidden_actions\[\d+\] is a string, expected an object$"),
    (lambda man: man["exit_status"][0].update(code="0"),
     r"man-data: exit_status\[0\]\.code is a string, expected an integer$"),
    (lambda man: man["see_also"].append("vzctl"), r"lists 'vzctl' in see_also, expected NAME\(SECTION\)"),
    (lambda man: man["actions"].pop(0), r"does not describe its action 'start'"),
])
def test_man_data_that_does_not_fit_is_one_clear_error(tmp_path, docs, change, message):
    import copy
    import json

    man = copy.deepcopy(docs.man)
    change(man)
    with pytest.raises(agent_docs.CrmVeError, match=message):
        agent_page.build(_fake_agent(tmp_path, json.dumps(man)))


def test_an_agent_without_its_execute_bit_runs_through_its_interpreter(tmp_path, docs):
    copy = tmp_path / "ManageVE"
    copy.write_bytes(agent_path().read_bytes())
    copy.chmod(0o644)
    shutil.copytree(agent_path().parent / "lib", tmp_path / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    assert agent_docs.load(copy).meta == docs.meta
