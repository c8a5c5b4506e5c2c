"""``torch.nn.functional`` equivalents, reaching the same registry ops as the methods."""

from ..autograd.ops_elementwise import relu, sigmoid, tanh
from ..autograd.ops_nn import cross_entropy, log_softmax, mse_loss, nll_loss, softmax

__all__ = ["cross_entropy", "log_softmax", "mse_loss", "nll_loss", "relu", "sigmoid", "softmax",
           "tanh"]
