"""monitor, when its common case (in the agent file) does not apply: the OCF code, with its
reason."""
from ManageVE import (Exit, OCF_ERR_GENERIC, OCF_NOT_RUNNING, OCF_SUCCESS, check_level_problem,
                      param_problems)
from manage_ve.agent import report_problems, require_vzctl
from manage_ve.vzctl import Result, status_of


def explain_monitor(params, answer=None, deep=None):
    """monitor, when its common case does not apply: the OCF code, with its reason."""
    problems = param_problems(params)
    level = check_level_problem()
    if level:
        problems.append(("OCF_CHECK_LEVEL", level))
    if problems:
        report_problems(problems)
    require_vzctl(params["vzctl"])
    if deep is not None:
        raise Exit(OCF_ERR_GENERIC, "container %s runs but does not answer: %s"
                   % (params["veid"], Result(*deep).failure(["exec", params["veid"], "true"])))
    status = status_of(params["veid"], *answer)
    if status is None or not status.exists:
        return OCF_NOT_RUNNING
    if status.state == "paused":
        raise Exit(OCF_ERR_GENERIC, "container %s is paused (frozen)" % params["veid"])
    return OCF_SUCCESS if status.running else OCF_NOT_RUNNING
