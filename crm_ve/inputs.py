"""Where CIBs come from: files, standard input (``-``) and, as they land, shadows, the live cluster and crm text.

``load_inputs(args)`` turns the ``check`` command's input options into parsed :class:`~crm_ve.reader.CibDocument`s.
"""
from crm_ve.errors import UsageError
from crm_ve.reader import read_cib


def load_inputs(args):
    paths = list(getattr(args, "files", None) or ())
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    if not paths:
        raise UsageError("nothing to check: name CIB files (or - for standard input)")
    return [read_cib(path) for path in paths]
