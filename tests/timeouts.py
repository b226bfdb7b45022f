"""A test's guard against a hang: the block is stopped with TimeoutError after a while."""

import signal
from contextlib import contextmanager


@contextmanager
def no_hang(seconds: float, doing: str = "running"):
    def alarm(_sig, _frame):
        raise TimeoutError(f"still {doing} after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
