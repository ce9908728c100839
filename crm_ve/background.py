"""Work that overlaps the checking thread: whole-document XPath and XSLT reads, which libxml2 runs without
holding the GIL, started early in a daemon thread and waited for where their answer is needed."""
import threading


class BackgroundScan:
    """The answer of ``scan()`` (a whole-document XPath: libxml2 evaluates it without the GIL), computed in a
    daemon thread from ``start()`` - a rule's ``prepare`` starts it, so it overlaps the other rules - and
    waited for by ``result()``; without ``start()``, ``result()`` scans itself. An error in the thread is
    raised by ``result()`` (once: a later call scans again, as the rule's own scan would)."""

    def __init__(self, scan):
        self._scan = scan
        self._answer = None
        self._thread = None
        self._error = None

    def start(self):
        thread = threading.Thread(target=self._scan_in_thread, name="crm-ve scan", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: result() scans itself
            return self
        self._thread = thread
        return self

    def _scan_in_thread(self):
        try:
            self._answer = self._scan()
        except BaseException as exc:  # noqa: BLE001 - handed to the checking thread, raised where it waits
            self._error = exc

    @property
    def started(self):
        """True while a started scan has not been waited for."""
        return self._thread is not None

    def result(self):
        thread = self._thread
        if thread is not None:
            thread.join()
            self._thread = None
            error, self._error = self._error, None
            if error is not None:
                raise error
        if self._answer is None:
            self._answer = self._scan()
        return self._answer
