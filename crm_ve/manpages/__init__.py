"""The man pages in ``man/``, generated from what they document: the agent's meta-data, the CLI's argparse
parser and the rules' own docs. One module per page, each with ``build() -> doctree.Page``.

``crm-ve man`` writes them; ``crm-ve man --check`` (and tests/man) fail when the committed pages differ from what
the generator produces now, so a new subcommand, option, rule or agent parameter is never left undocumented.
"""
import importlib

from crm_ve import __version__

#: Page modules, in the order their pages are written.
PAGE_MODULES = (
    "crm_ve.manpages.agent",
    "crm_ve.manpages.cli",
    "crm_ve.manpages.rules",
)

#: docutils releases change the generated roff; the committed pages are generated and compared under this series.
DOCUTILS_SERIES = "0.22"

#: The footer's source field.
SOURCE = f"crm-ve {__version__}"

#: The footer's date: fixed, never the build date, so that regenerating changes nothing. Bump it with the version.
DATE = "2026-11-25"


def build_pages():
    """Every page, built now: ``{filename: roff text}``."""
    pages = {}
    for module_name in PAGE_MODULES:
        page = importlib.import_module(module_name).build()
        pages[page.filename] = page.render()
    return pages
