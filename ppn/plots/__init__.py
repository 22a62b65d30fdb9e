"""Figures the book shows; the modules of this package hold them by subject."""

from .graphs import *  # noqa: F403
