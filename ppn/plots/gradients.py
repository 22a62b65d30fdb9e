"""The gradient as the direction of steepest ascent: the source's figure 6.

``draw_gradient_field`` puts arrows along ∇f on the contour lines of f;
``draw_directional_derivatives`` plots the slope ∇f·u against the direction of u.
"""

from __future__ import annotations

import math

import numpy as np


def draw_gradient_field(f, points, gradients, ax=None, *, extent, resolution: int = 81,
                        levels: int = 12, highlight=None, title: str | None = None):  # fmt: skip
    """Contour lines of f(x₁, x₂) over ``extent`` = (x₁ from, x₁ to, x₂ from, x₂ to), and at
    each of ``points`` an arrow along the gradient given for it in ``gradients``.

    Every arrow has the same length: the figure shows the direction of ∇f, across the
    contour lines and uphill.  The axes have equal scales, so a right angle looks like one.
    ``highlight`` (an index into ``points``) draws that arrow thicker and in another colour.
    The arrows carry gids ``gradient k``.  Returns the axes.
    """
    x0, x1, y0, y1 = extent
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"extent must be (x0, x1, y0, y1) with x0 < x1 and y0 < y1, not {extent}")
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    gradients = np.asarray(gradients, dtype=np.float64).reshape(-1, 2)
    if points.shape != gradients.shape:
        raise ValueError(
            f"one gradient per point: got {len(points)} points, {len(gradients)} gradients"
        )
    norms = np.hypot(gradients[:, 0], gradients[:, 1])
    if np.any(norms == 0):
        raise ValueError("a zero gradient has no direction to draw: leave that point out")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 3.6))
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    surface = np.array([[f(x, y) for x in xs] for y in ys])
    contours = ax.contour(xs, ys, surface, levels=levels, cmap="viridis", linewidths=0.9)
    ax.clabel(contours, fontsize=6, fmt="%.1f")
    length = 0.07 * max(x1 - x0, y1 - y0)
    for k, (point, gradient, norm) in enumerate(zip(points, gradients, norms, strict=True)):
        tip = point + length * gradient / norm
        colour, width = ("C3", 2.0) if k == highlight else ("0.2", 0.9)
        # annotation_clip=False: an arrow whose tip leaves the axes is still drawn, not dropped.
        ax.annotate("", xy=tip, xytext=point, gid=f"gradient {k}", zorder=3, annotation_clip=False,
                    arrowprops=dict(arrowstyle="-|>", color=colour, linewidth=width,
                                    shrinkA=0, shrinkB=0))  # fmt: skip
        ax.plot(*point, "o", color=colour, markersize=2.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def draw_directional_derivatives(angles, slopes, gradient, ax=None, *, title: str | None = None):
    """The slope ∇f·u of f in each unit direction u = (cos θ, sin θ), against θ (degrees),
    with the direction of ``gradient`` and its length |∇f| marked: the largest slope.

    ``slopes[k]`` is the directional derivative in the direction ``angles[k]``.  Returns the axes.
    """
    angles = np.asarray(angles, dtype=np.float64).ravel()
    slopes = np.asarray(slopes, dtype=np.float64).ravel()
    if angles.shape != slopes.shape or angles.size == 0:
        raise ValueError(f"one slope per angle: got {angles.size} angles, {slopes.size} slopes")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.2))
    g1, g2 = (float(g) for g in gradient)
    norm = math.hypot(g1, g2)
    direction = math.degrees(math.atan2(g2, g1)) % 360
    ax.plot(angles, slopes, color="C0", label=r"slope $\nabla f \cdot u$ in direction $\theta$")
    ax.axvline(direction, color="C3", linestyle="--", linewidth=1,
               label=f"direction of $\\nabla f$: {direction:.0f}°")  # fmt: skip
    ax.axhline(norm, color="0.5", linestyle=":", linewidth=1,
               label=f"$|\\nabla f| = {norm:.4f}$")  # fmt: skip
    ax.axhline(0, color="0.8", linewidth=0.6)
    ax.set_xlabel(r"direction $\theta$ of the unit vector $u$ (degrees)")
    ax.set_ylabel("slope")
    ax.set_xlim(angles.min(), angles.max())
    ax.legend(fontsize=7, loc="lower left")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax
