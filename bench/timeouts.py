"""A peer's computation in a child process, cut at a timeout (shared by the peer benchmarks)."""
from __future__ import annotations

import multiprocessing
from typing import Any, Callable


def child_result(target: Callable[..., None], args: tuple, timeout: float) -> Any | None:
    """What ``target(*args, queue)`` puts on its queue, run in a forked child; None past ``timeout``
    seconds (the child is terminated, so a hopeless peer never stalls the benchmark)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=target, args=(*args, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get()
