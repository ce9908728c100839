"""The model of a CIB: resources, constraints and the relations Pacemaker derives from them.

Rules read the model, never the XML. ``build_model(document)`` is the one entry point.
(Foundation skeleton: resources only; the model of constraints and relations grows here.)
"""
from dataclasses import dataclass, field
from typing import Dict, Optional

from lxml import etree


@dataclass
class Resource:
    """A resource element: primitive, group, clone, master or bundle."""

    id: str
    kind: str
    element: etree._Element = field(repr=False)
    standard: Optional[str] = None
    provider: Optional[str] = None
    type: Optional[str] = None
    params: Dict[str, str] = field(default_factory=dict)
    parent: Optional[str] = None

    @property
    def line(self):
        return self.element.sourceline

    @property
    def agent(self):
        if self.kind != "primitive" or not self.type:
            return None
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


@dataclass
class CibModel:
    document: object
    resources: Dict[str, Resource] = field(default_factory=dict)


_RESOURCE_TAGS = {"primitive", "group", "clone", "master", "bundle"}


def _params(element):
    values = {}
    for nvset in element.findall("instance_attributes"):
        for nvpair in nvset.findall("nvpair"):
            if nvpair.get("name") is not None:
                values.setdefault(nvpair.get("name"), nvpair.get("value"))
    return values


def build_model(document):
    model = CibModel(document=document)
    resources = document.configuration.find("resources")
    if resources is None:
        return model

    def walk(parent_element, parent_id):
        for child in parent_element:
            if not isinstance(child.tag, str) or child.tag not in _RESOURCE_TAGS:
                continue
            rid = child.get("id")
            if rid is None:
                continue
            model.resources[rid] = Resource(
                id=rid,
                kind=child.tag,
                element=child,
                standard=child.get("class"),
                provider=child.get("provider"),
                type=child.get("type"),
                params=_params(child) if child.tag == "primitive" else {},
                parent=parent_id,
            )
            walk(child, rid)

    walk(resources, None)
    return model
