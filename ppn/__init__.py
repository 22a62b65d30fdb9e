"""ppn: automatic differentiation and neural networks from first principles, in numpy.

The package the course builds, chapter by chapter; see the book for the story.
"""

from .elementary import cos, exp, log, relu, sigmoid, sin, sqrt, tan, tanh
from .forward import Dual, forward_trace, jvp
from .jacobian import jacobian
from .tape import Tape, TapeError, Var, grad, reverse_trace, value_and_grad

__version__ = "0.1.0"

__all__ = [
    "Dual",
    "Tape",
    "TapeError",
    "Var",
    "cos",
    "exp",
    "forward_trace",
    "grad",
    "jacobian",
    "jvp",
    "log",
    "relu",
    "reverse_trace",
    "sigmoid",
    "sin",
    "sqrt",
    "tan",
    "tanh",
    "value_and_grad",
]
