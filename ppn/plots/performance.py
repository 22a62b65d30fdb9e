"""Speed (chapter 11): training throughput against batch size."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def plot_throughput(batch_sizes, images_per_second, *, title: str | None = None) -> Figure:
    """Training throughput (images per second) against the batch size, on log–log axes."""
    batch_sizes = np.asarray(batch_sizes, dtype=float)
    rates = np.asarray(images_per_second, dtype=float)
    if batch_sizes.shape != rates.shape or batch_sizes.ndim != 1 or not len(rates):
        raise ValueError(
            f"need one throughput per batch size, got {batch_sizes.shape} and {rates.shape}"
        )
    fig = Figure(figsize=(5.6, 3.6))
    ax = fig.subplots()
    ax.loglog(batch_sizes, rates, marker="o")
    for size, rate in zip(batch_sizes, rates, strict=True):
        ax.annotate(f"{rate:,.0f}", (size, rate), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=8)  # fmt: skip
    ax.set_xticks(batch_sizes, [f"{int(s)}" for s in batch_sizes])
    ax.minorticks_off()
    ax.set_ylim(rates.min() / 2, rates.max() * 2)
    ax.set(xlabel="batch size (images per step)", ylabel="training throughput (images/s)",
           title=title or "throughput against batch size")  # fmt: skip
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig
