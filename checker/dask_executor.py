"""Jobs on a Dask distributed cluster, through the runner's ``concurrent.futures.Executor`` seam.

Only this module imports Dask (the optional extra ``pip install 'dl-theorem-checker[dask]'``); the
runner sees a plain Executor.  Workers need the package installed and the conjecture files at the
same paths (relative to their working directory) as here: a job carries the statement id and the
file that defines it, never a pickled statement.  Results are merged in the statements' order
here, so they do not depend on which worker ran what.
"""
from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from typing import Iterator


@contextlib.contextmanager
def dask_executor(scheduler: str | None, workers: int) -> Iterator[Executor]:
    """An Executor on the cluster at ``scheduler``, or on a local cluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("--executor dask needs Dask: pip install 'dl-theorem-checker[dask]' "
                          "(or pip install 'dask[distributed]')") from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=max(workers, 1), threads_per_worker=1,
                                                       dashboard_address=":0"))
            client = stack.enter_context(Client(cluster))
        yield client.get_executor(pure=False)
