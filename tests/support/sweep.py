"""How much of a large set of cases a sweeping test runs: all of it (``make test``) or a fixed part of it
(``make test-fast``, option ``--sample-sweeps``).

A few tests sweep many cases of one kind: every CIB of Pacemaker's scheduler corpus, hundreds of hypothesis
examples of mutated CIBs and hostile numbers. The fast lane runs each of those tests, with every assertion, on a
deterministic one-in-``SAMPLE_EVERY`` part of its cases; ``make test`` (CI) runs them all. The run's last lines
say which.
"""
SAMPLE_EVERY = 8
_sampling = False


def configure(sampling):
    global _sampling
    _sampling = bool(sampling)


def summary():
    if _sampling:
        return (f"sweeps: one case in {SAMPLE_EVERY} of the corpus and of the property tests' examples "
                "(--sample-sweeps); make test runs them all")
    return "sweeps: every case"


def sampled(cases):
    """The cases a sweep runs: all of them, or every SAMPLE_EVERY-th from the first."""
    return cases[::SAMPLE_EVERY] if _sampling else cases


def examples(count):
    """The number of hypothesis examples a property test runs: ``count``, or its share of a sample."""
    return max(10, count // SAMPLE_EVERY) if _sampling else count
