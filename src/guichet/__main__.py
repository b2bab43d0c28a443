"""The `guichet` console script, the project's manage.py: `guichet migrate`, `guichet catalog`…"""

import os
import sys

# Polars' allocator (jemalloc) gives freed pages back to the system after half a second; a
# rating or an import frees about a gigabyte per chunk of records and takes it again for the
# next one, so the kernel zeroes those pages again at each chunk (a quarter of the CPU time of
# `guichet rate`). jemalloc's own defaults, 10 s, keep them from one chunk to the next. Read
# when Polars is loaded: set before anything imports it; a value in the environment wins.
ALLOCATOR_SETTINGS = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000,muzzy_decay_ms:10000")


def guichet_environment() -> dict[str, str]:
    """This process's environment as `guichet` runs: for a child process that rates or imports
    usage as the command does (the benchmarks)."""
    return dict([ALLOCATOR_SETTINGS]) | dict(os.environ)


def main() -> None:
    os.environ.setdefault(*ALLOCATOR_SETTINGS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
