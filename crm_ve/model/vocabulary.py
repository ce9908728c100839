"""Which words a CIB's schema accepts, so fixes are written in the vocabulary the CIB can take.

Pacemaker Explained, "Deprecated Terminology" and the schema files (docs/pacemaker-semantics.md §6.2):
``Promoted``/``Unpromoted`` are accepted from ``pacemaker-3.7``; ``Master``/``Slave`` by every schema; the
``<master>`` element (crmsh ``ms``) is gone from ``pacemaker-4.0``. pcs 0.11+ spells the role keyword
``promoted`` whatever the schema (and writes ``Master`` itself on schemas older than 3.7).
"""
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from crm_ve.model.values import Role

#: a schema name Pacemaker may know (ASCII digits, a few of them: no other name is a schema it has)
_VERSION = re.compile(r"^pacemaker-([0-9]{1,6})\.([0-9]{1,6})$")
#: Newest schema family we know of; ``pacemaker-next`` and unversioned fragments are read as this.
NEWEST = (4, 0)


def schema_version(validate_with) -> Optional[Tuple[int, int]]:
    """``(major, minor)`` of ``validate-with``; NEWEST for ``pacemaker-next``; None when unknown/absent."""
    if not validate_with:
        return None
    if validate_with == "pacemaker-next":
        return NEWEST
    match = _VERSION.match(validate_with.strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class Vocabulary:
    """Role names, the promotable clone's spelling and pcs keywords for one CIB.

    :param validate_with: the CIB's schema (None for a bare ``<configuration>`` fragment).
    :param uses_new_roles: the document already uses ``Promoted``/``Unpromoted`` somewhere (decides for
        fragments whose schema is unknown).
    """

    validate_with: Optional[str] = None
    uses_new_roles: bool = False

    @property
    def version(self):
        return schema_version(self.validate_with)

    @property
    def new_role_names(self) -> bool:
        """``Promoted``/``Unpromoted`` are accepted (schema >= pacemaker-3.7)."""
        version = self.version
        if version is None:
            return self.uses_new_roles
        return version >= (3, 7)

    @property
    def master_element(self) -> bool:
        """``<master>`` (crmsh ``ms``) is still accepted (schema < pacemaker-4.0)."""
        version = self.version
        return version is None or version < (4, 0)

    @property
    def promoted(self) -> str:
        return "Promoted" if self.new_role_names else "Master"

    @property
    def unpromoted(self) -> str:
        return "Unpromoted" if self.new_role_names else "Slave"

    def role_name(self, role: Role) -> Optional[str]:
        """The CIB/crmsh spelling of a role (None for ANY: no role is written)."""
        if role is Role.PROMOTED:
            return self.promoted
        if role is Role.UNPROMOTED:
            return self.unpromoted
        if role is Role.STOPPED:
            return "Stopped"
        return None

    @staticmethod
    def pcs_role_keyword(role: Role) -> Optional[str]:
        """pcs 0.11+ role keyword (``promoted``/``unpromoted``; ``started`` never needs writing)."""
        if role is Role.PROMOTED:
            return "promoted"
        if role is Role.UNPROMOTED:
            return "unpromoted"
        if role is Role.STOPPED:
            return "stopped"
        return None

    def crm_promotable(self, clone_id, child_id, meta=()):
        """crmsh text creating a promotable clone: ``ms`` where ``<master>`` is accepted and the roles are the
        legacy ones, else ``clone ... meta promotable=true``."""
        extra = "".join(f" {name}={value}" for name, value in meta)
        if self.master_element and not self.new_role_names:
            return f"ms {clone_id} {child_id}" + (f" meta{extra}" if extra else "")
        return f"clone {clone_id} {child_id} meta promotable=true{extra}"

    @staticmethod
    def pcs_promotable(child_id, clone_id, meta=()):
        """pcs command making a primitive a promotable clone."""
        extra = "".join(f" {name}={value}" for name, value in meta)
        return f"pcs resource promotable {child_id} {clone_id}{extra}"
