"""Nadam (Adam with Nesterov momentum), with MXNet 1.9.1's math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["Nadam"]


@register
class Nadam(Optimizer):
    """The Nesterov Adam optimizer (Dozat, 2016).

    With ``mu_t = beta1*(1 - 0.5*0.96^(t*schedule_decay))`` and ``t`` the
    parameter's update count, ``m_schedule *= mu_t`` is one running product
    **shared by all parameters** (as in MXNet: every update of any parameter
    multiplies it). ``G = clip(rescale_grad*grad + wd*w)``, ``m`` and ``v`` as in
    Adam, then
    ``m_bar = (1-mu_t)*G/(1-m_schedule) + mu_{t+1}*m/(1-m_schedule*mu_{t+1})``
    and ``w -= lr*m_bar/(sqrt(v/(1-beta2^t)) + epsilon)``.

    Parameters
    ----------
    learning_rate : float, default 0.001
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-8
    schedule_decay : float, default 0.004
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        schedule_decay: float = 0.004,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.0

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # mean
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # variance
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("Nadam", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        grad = grad * self.rescale_grad + wd * weight
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        momentum_t = self.beta1 * (1.0 - 0.5 * (0.96 ** (t * self.schedule_decay)))
        momentum_t_1 = self.beta1 * (
            1.0 - 0.5 * (0.96 ** ((t + 1) * self.schedule_decay))
        )
        self.m_schedule = self.m_schedule * momentum_t
        m_schedule_next = self.m_schedule * momentum_t_1
        m_t, v_t = state
        m_t[:] *= self.beta1
        m_t[:] += (1.0 - self.beta1) * grad
        v_t[:] *= self.beta2
        v_t[:] += (1.0 - self.beta2) * grad * grad
        grad_prime = grad / (1.0 - self.m_schedule)
        m_t_prime = m_t / (1.0 - m_schedule_next)
        v_t_prime = v_t / (1.0 - self.beta2**t)
        m_t_bar = (1.0 - momentum_t) * grad_prime + momentum_t_1 * m_t_prime
        weight[:] -= lr * m_t_bar / (nd.sqrt(v_t_prime) + self.epsilon)
