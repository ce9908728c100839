"""The agent's table rendered: meta-data (OCF 1.0, valid against ra-api-1.dtd) and man-data
(JSON, for the man page)."""
import sys

from ManageVE import (ACTIONS, AGENT, HIDDEN_ACTIONS, OCF_SUCCESS, PARAMETERS, PROVIDER, VERSION,
                      action_names, usage_line)
from manage_ve.docs import (ACTION_DOCS, HIDDEN_ACTION_DOCS, LONGDESC, MAN_DATA, PARAMETER_DOCS,
                            SHORTDESC)


def xml_escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def render_meta_data():
    out = ['<?xml version="1.0"?>',
           '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
           '<resource-agent name="%s" version="%s">' % (AGENT, VERSION),
           '<version>1.0</version>',
           '<longdesc lang="en">%s</longdesc>' % xml_escape(LONGDESC),
           '<shortdesc lang="en">%s</shortdesc>' % xml_escape(SHORTDESC),
           '<parameters>']
    for name, ptype, default, unique in PARAMETERS:
        shortdesc, longdesc = PARAMETER_DOCS[name]
        out.append('<parameter name="%s" unique="%d" required="%d">'
                   % (name, unique, default is None))
        out.append('<longdesc lang="en">%s</longdesc>' % xml_escape(longdesc))
        out.append('<shortdesc lang="en">%s</shortdesc>' % xml_escape(shortdesc))
        out.append('<content type="%s"%s/>'
                   % (ptype, "" if default is None else ' default="%s"' % xml_escape(default)))
        out.append('</parameter>')
    out.append('</parameters>')
    out.append('<actions>')
    for name, timeout, interval, depth in ACTIONS:
        attrs = ' timeout="%s"' % timeout
        if interval:
            attrs += ' interval="%s"' % interval
        if depth is not None:
            attrs += ' depth="%s"' % depth
        out.append('<action name="%s"%s/>' % (name, attrs))
    out.append('</actions>')
    out.append('</resource-agent>')
    return "\n".join(out) + "\n"


def do_meta_data():
    sys.stdout.write(render_meta_data())
    return OCF_SUCCESS


def do_man_data():
    """What the man page needs beyond meta-data, as JSON (see MAN_DATA)."""
    import json
    data = {
        "agent": AGENT, "provider": PROVIDER, "version": VERSION,
        "usage": usage_line(),
        # timeouts, intervals and depths are in the meta-data, one row per advertised operation
        "actions": [{"name": name, "description": ACTION_DOCS[name]} for name in action_names()],
        "hidden_actions": [{"name": name, "description": HIDDEN_ACTION_DOCS[name]}
                           for name in HIDDEN_ACTIONS],
        "exit_status": [{"code": code, "name": name, "meaning": meaning}
                        for code, name, meaning in MAN_DATA["exit_status"]],
        "files": [{"path": path, "description": description}
                  for path, description in MAN_DATA["files"]],
        "examples": [{"title": title, "tool": tool, "text": text}
                     for title, tool, text in MAN_DATA["examples"]],
        "see_also": list(MAN_DATA["see_also"]),
    }
    sys.stdout.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return OCF_SUCCESS
