"""Find the files crm-ve ships beside its code: the agent and its library (ra/), templates and scripts (templates/), man pages (man/).

In a wheel they are the data packages ``crm_ve._data.*`` (setup.cfg maps them from the top-level directories);
in a source checkout (editable install, tests) they are the top-level directories themselves.
"""
import importlib.util
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent
DATA_NAMES = ("ra", "templates", "man")


def data_dir(name):
    """The directory holding the shipped ``ra``, ``templates`` or ``man`` files."""
    if name not in DATA_NAMES:
        raise ValueError(f"unknown data directory {name!r}")
    source = SOURCE_ROOT / name
    if (SOURCE_ROOT / "setup.cfg").is_file() and source.is_dir():
        return source
    # The data directories have no __init__.py: they are namespace packages, whose search path names them.
    try:
        spec = importlib.util.find_spec(f"crm_ve._data.{name}")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return source


def agent_path():
    return data_dir("ra") / "ManageVE"


def agent_library_dir():
    """The agent's library package (ra/lib/manage_ve), which the agent imports for everything but monitor."""
    return data_dir("ra") / "lib" / "manage_ve"
