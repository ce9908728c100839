"""Find the files crm-ve ships beside its code: the agent (ra/), templates and scripts (templates/), man pages (man/).

In a wheel they are the data packages ``crm_ve._data.*`` (setup.cfg maps them from the top-level directories);
in a source checkout (editable install, tests) they are the top-level directories themselves.
"""
from importlib import resources
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
    try:
        return Path(str(resources.files(f"crm_ve._data.{name}")))
    except (ModuleNotFoundError, TypeError):
        return source


def agent_path():
    return data_dir("ra") / "ManageVE"
