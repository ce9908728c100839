"""What a check covered in one CIB: the storage stacks it recognised, or why there was none to check.

A report never says "clean" about what it did not check. The stack rules only look at what stack recognition
(:mod:`crm_ve.model.stacks`) found, so each document gets one verdict on that, whatever rules were selected:

* stacks recognised: which (an info line, not counted: the findings say what is wrong with them);
* DRBD, Filesystem or container resources but no stack: a warning naming what was found and why it is not a
  stack (the rules checked nothing of it);
* none of them: an info, "no DRBD/Filesystem/container resources".
"""
from dataclasses import dataclass
from typing import Optional

from crm_ve.findings import Severity
from crm_ve.model.stacks import DRBD_TYPES

#: How many stacks (or resources) a verdict names before it says "and N more".
NAMED = 5


@dataclass
class Coverage:
    """One document's verdict on what the stack rules covered. ``severity`` is None when stacks were
    recognised (nothing to count), else WARNING or INFO."""

    file: str
    message: str
    severity: Optional[Severity] = None
    stacks: int = 0

    def as_dict(self):
        return {"file": self.file, "severity": self.severity.label if self.severity else None,
                "stacks": self.stacks, "message": self.message}

    def line(self):
        label = f"{self.severity.label}: " if self.severity else ""
        return f"{self.file}: {label}{self.message}"


def _names(items):
    items = list(items)
    shown = ", ".join(items[:NAMED])
    return shown + (f" and {len(items) - NAMED} more" if len(items) > NAMED else "")


def _stack_words(stack):
    containers = len(stack.containers)
    parts = [stack.drbd, stack.filesystem] if stack.drbd else [stack.filesystem]
    if containers == 1:
        parts.append(stack.containers[0].lower)
    elif containers:
        parts.append(f"{containers} containers")
    return " -> ".join(parts)


def coverage_of(name, model, workload_agents):
    """The :class:`Coverage` of the document ``name`` with this model and these workload agents."""
    recognised = model.stacks(workload_agents)
    if recognised.stacks:
        n = len(recognised.stacks)
        words = _names(_stack_words(stack) for stack in recognised.stacks)
        return Coverage(name, f"checked {n} storage stack{'' if n == 1 else 's'}: {words}", stacks=n)
    drbd = [r.id for r in model.resources.values() if r.kind == "primitive" and r.type in DRBD_TYPES]
    containers = list(recognised.container_ties) + list(recognised.untied_containers)
    if not (drbd or recognised.filesystems or containers):
        return Coverage(name, "no DRBD/Filesystem/container resources: there is no storage stack to check",
                        Severity.INFO)
    found, why = [], []
    if drbd:
        found.append(f"DRBD {_names(drbd)}")
        if not recognised.drbd_clones:
            why.append("no DRBD primitive is in a clone")
    if recognised.filesystems:
        found.append(f"Filesystem {_names(recognised.filesystems)}")
        why.append("no Filesystem is on a DRBD clone (by its device /dev/drbd/by-res/RES, a constraint, or "
                   "/dev/drbdN with a single DRBD clone) or carries a container")
    elif drbd:
        why.append("no Filesystem is mounted from DRBD")
    if containers:
        found.append(f"container {_names(containers)}")
        if not recognised.filesystems:
            why.append("no container has a Filesystem to sit on")
    return Coverage(name, f"no storage stack recognised, so the stack rules checked nothing: found "
                          f"{'; '.join(found)}, but {'; '.join(why)}", Severity.WARNING)
