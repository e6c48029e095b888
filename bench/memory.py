"""Resident memory of the current process (Linux), as the benchmarks' children report it.

The peak is the kernel's high-water mark of this process's own address space (VmHWM), which
starts afresh at exec. It is not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries that figure
across fork and exec, so a child started by a parent that once held more (`make bench` seeds
100,000 applicants in its own process before the export runs) reported the parent's peak, not
its own: 171 MB for an export whose process never went above ~120 MB.
"""
import resource
import sys


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident memory."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    """Peak resident memory of this process since it was exec'd (VmHWM)."""
    peak = _status_mb("VmHWM")
    if peak is None:  # no /proc: the inherited figure is all there is
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return peak


class _NoNumpy:
    """A meta path finder that answers ImportError for numpy, as if it were not installed (it
    leaves no None in sys.modules: psycopg, for one, looks numpy up there)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r} (bench: as deployed)", name=name)
        return None


def as_deployed() -> None:
    """Keeps numpy out of a child that measures Quota: call it before anything imports openpyxl.

    numpy is in the benchmark's virtualenv only as pandas' dependency (requirements-bench.txt,
    pandas being the import's reference), and openpyxl imports it whenever it can
    (openpyxl.compat.numbers): about 17 MB resident that a deployed Quota, whose requirements.txt
    has no numpy, never carries. openpyxl does without it (it only adds numpy's number types).
    """
    if "numpy" not in sys.modules and not any(isinstance(f, _NoNumpy) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoNumpy())
