"""Model figures: jit compile time, forward time for 10 images, training throughput. Prints a table.

    python bench/bench_model.py [--weights weights/] [--runs 5]

Each figure is the median of --runs repetitions, with min and max. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import jax
import numpy as np

from generator.model import device_description, forward_all
from generator.train import TrainConfig, make_optimizer, make_train_step
from generator.weights import load_model

REPO = Path(__file__).resolve().parent.parent


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=REPO / "weights")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    params = load_model(args.weights).params
    images = np.random.default_rng(0).random((10, 64, 64, 3), dtype=np.float32)

    def compile_once() -> None:
        jax.clear_caches()  # otherwise jax reuses the first compilation and later runs measure nothing
        jax.block_until_ready(jax.jit(forward_all)(params, images))

    compile_times = _time(compile_once, args.runs)
    jitted = jax.jit(forward_all)
    jax.block_until_ready(jitted(params, images))
    forward_times = _time(lambda: jax.block_until_ready(jitted(params, images)), args.runs * 4)

    config = TrainConfig(data=Path("."), out=Path("."))
    optimizer = make_optimizer(config, steps_per_epoch=100)
    step = make_train_step(config, optimizer)
    batch = np.random.default_rng(1).integers(0, 256, (config.batch_size, 64, 64, 3), dtype=np.uint8)
    labels = np.arange(config.batch_size, dtype=np.int32) % 10
    state = (params, optimizer.init(params), params)  # params, optimiser state, EMA
    key = jax.random.PRNGKey(0)

    def train_steps(n: int = 10) -> None:
        nonlocal state
        for _ in range(n):
            *new_state, _, _ = step(*state, batch, labels, key)
            state = tuple(new_state)
        jax.block_until_ready(state[0])

    train_steps(1)
    train_times = _time(train_steps, args.runs)
    throughput = [10 * config.batch_size / t for t in train_times]

    rows = [
        ("jit compile, forward (s)", compile_times),
        ("forward, 10 images (ms)", [t * 1000 for t in forward_times]),
        ("training (images/s)", throughput),
    ]
    print(f"device: {device_description()}   runs: {args.runs}")
    print(f"{'figure':<28}{'median':>10}{'min':>10}{'max':>10}")
    for name, values in rows:
        print(f"{name:<28}{statistics.median(values):>10.2f}{min(values):>10.2f}{max(values):>10.2f}")


if __name__ == "__main__":
    main()
