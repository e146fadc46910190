"""This process's resident memory, as `flask match run` and the benchmarks report it."""

import resource


def status_kib(field: str) -> int:
    """A memory field of ``/proc/self/status`` (Linux), in KiB: ``VmRSS`` now, ``VmHWM``
    the peak (which starts again at ``exec``)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def peak_mib() -> int:
    """This process's peak resident memory.  ``ru_maxrss`` keeps the peak of the process
    that started this one (a benchmark holding a province's import), across fork and
    exec, so it is only the fallback where ``/proc`` is missing."""
    try:
        return round(status_kib("VmHWM") / 1024)
    except (OSError, StopIteration):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
