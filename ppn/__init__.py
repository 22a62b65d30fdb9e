"""ppn: automatic differentiation and neural networks from first principles, in numpy.

The package the course builds, chapter by chapter; see the book for the story.
"""

from .elementary import cos, exp, log, relu, sigmoid, sin, sqrt, tan, tanh
from .forward import Dual, forward_trace, jvp
from .jacobian import jacobian
from .tape import Tape, TapeError, Var, grad, reverse_trace, value_and_grad
from .tensor import Tensor, no_grad

# The modules users reach as ppn.nn.MLP, ppn.optim.Adam, ppn.data.load_mnist, ...
# (ppn.plots is left out so that `import ppn` does not load matplotlib).
from . import checkpoint, data, gradcheck, losses, nn, optim, train  # noqa: E402  isort: skip

__version__ = "0.1.0"

__all__ = [
    "Dual",
    "Tape",
    "Tensor",
    "TapeError",
    "Var",
    "cos",
    "exp",
    "forward_trace",
    "grad",
    "jacobian",
    "jvp",
    "log",
    "no_grad",
    "relu",
    "reverse_trace",
    "sigmoid",
    "sin",
    "sqrt",
    "tan",
    "tanh",
    "value_and_grad",
    "checkpoint",
    "data",
    "gradcheck",
    "losses",
    "nn",
    "optim",
    "train",
]
