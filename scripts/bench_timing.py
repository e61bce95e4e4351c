"""The timing loop the benchmark peers share (scripts/bench_realistic_torch.py
and scripts/bench_realistic_jax.py import it from this folder)."""
import time


def timed(fn, warmup, steps):
    """Wall seconds of each timed call, and the process CPU seconds (every
    thread) per call, the figure that other jobs on the machine disturb less."""
    for _ in range(warmup):
        fn()
    times = []
    cpu = time.process_time()
    for _ in range(steps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times, (time.process_time() - cpu) / steps
