"""Work done on a thread of its own while the caller goes on, its failure handed back."""

import threading
import time


class Beside:
    """``work(*args)`` started at once on a daemon thread named ``name``.

    ``wait`` joins it and returns the seconds it took, or raises what it raised, in the
    caller's thread; ``wait_quietly`` only joins it (for a caller failing anyway).
    ``done`` is set once the work has returned without raising."""

    def __init__(self, name: str, work, *args):
        self.done = threading.Event()
        self.seconds = 0.0
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work, args), name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self, work, args) -> None:
        started = time.perf_counter()
        try:
            work(*args)
            self.done.set()
        except BaseException as failure:  # handed to the thread that waits
            self._failure = failure
        finally:
            self.seconds = time.perf_counter() - started

    def wait(self) -> float:
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        return self.seconds

    def wait_quietly(self) -> None:
        self._thread.join()
