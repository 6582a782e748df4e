r"""Trust models: how each actor's belief that the other complies moves (docs/model.md section 4).

Actor ``i`` holds trust ``tau_i`` in [0, 1], the probability it assigns to
the other complying. The model is chosen by the scenario key
``trust.model``; the only model so far is ``"linear"``. In a round in which an
arrangement ``X`` is on the table the actor updates from what it
*perceived* of the other's action (an incident makes a compliance look like
a defection):

.. math::

    \tau_i \leftarrow
    \begin{cases}
        \min(1, \tau_i + \lambda w_X (1 - \tau_i)) & \text{perceived compliance} \\
        \tau_i (1 - \mu)                           & \text{perceived defection}
    \end{cases}

and then, every round (also rounds with nothing on the table), recovers
toward its initial level from below only:
``tau_i <- tau_i + phi * max(0, tau_0i - tau_i)`` (the ``min`` with 1 only
absorbs the loader's rounding tolerance on ``lambda * w_X <= 1``).

Each model is one scalar rule written once (:func:`linear_update_scalar`):
numba compiles it into the engine's kernel (:mod:`binding_sim.dynamics.kernel`),
where the model is chosen by its integer id (:data:`MODELS`), and
:func:`update` applies it elementwise to arrays. A second model (Bayesian
updating on the other's type, Kydd 2005) is added as a new rule plus its
registration here and one branch in ``kernel.trust_update``, which already
receives everything such a model reads (both actors' start-of-round trust,
what was perceived, the cell's tables, the arrangement on the table and the
transparency).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import BindingSimError

__all__ = [
    "LINEAR",
    "MODELS",
    "TrustModel",
    "linear_update_scalar",
    "model_id",
    "trust_model",
    "update",
]


def linear_update_scalar(
    tau: float,
    perceived_compliance: bool,
    on_table: bool,
    lam_w: float,
    mu: float,
    phi: float,
    tau0: float,
) -> float:
    """The linear trust update with recovery, for one actor in one round (docs/model.md section 4).

    Parameters
    ----------
    tau : float
        Trust at the start of the round.
    perceived_compliance : bool
        Whether the actor perceived the other as complying.
    on_table : bool
        Whether an arrangement was on the table (otherwise only recovery).
    lam_w : float
        ``lambda * w_X``: building rate times the arrangement's trust weight.
    mu, phi : float
        Erosion rate and recovery rate.
    tau0 : float
        Initial trust (the recovery target, approached from below only).

    Returns
    -------
    float
        Trust after the update and the recovery. Plain Python, compiled by
        numba into the engine's kernel.
    """
    built = min(tau + lam_w * (1.0 - tau), 1.0)
    eroded = tau * (1.0 - mu)
    moved = built if perceived_compliance else eroded
    moved = moved if on_table else tau
    if phi == 0.0:  # moved + 0.0 * max(0, ...) is moved exactly; skipping it shortens the kernel
        return moved
    return moved + phi * max(0.0, tau0 - moved)


@dataclass(frozen=True)
class TrustModel:
    """One trust model: its name (``trust.model``), kernel branch id and scalar rule."""

    name: str
    id: int
    rule: Callable[..., float]


LINEAR = 0
"""Kernel branch id of the ``"linear"`` model."""

MODELS: dict[str, TrustModel] = {
    "linear": TrustModel("linear", LINEAR, linear_update_scalar),
}
"""Registered trust models by the name used in ``trust.model``."""


def trust_model(name: str) -> TrustModel:
    """The :class:`TrustModel` called ``name`` (a :class:`BindingSimError` if unknown)."""
    try:
        return MODELS[name]
    except KeyError:
        raise BindingSimError(
            f"trust.model = {name!r}: unknown trust model; choose one of {', '.join(MODELS)}"
        ) from None


def model_id(name: str) -> int:
    """Integer branch of model ``name`` inside the compiled engine kernel."""
    return trust_model(name).id


def update(
    model: str,
    tau: npt.ArrayLike,
    perceived_compliance: npt.ArrayLike,
    on_table: npt.ArrayLike,
    lam_w: npt.ArrayLike,
    mu: npt.ArrayLike,
    phi: npt.ArrayLike,
    tau0: npt.ArrayLike,
) -> np.ndarray:
    """Apply trust model ``model``'s rule elementwise (arguments broadcast as numpy arrays)."""
    rule = trust_model(model).rule
    args = np.broadcast_arrays(
        np.asarray(tau, dtype=float),
        np.asarray(perceived_compliance, dtype=bool),
        np.asarray(on_table, dtype=bool),
        np.asarray(lam_w, dtype=float),
        np.asarray(mu, dtype=float),
        np.asarray(phi, dtype=float),
        np.asarray(tau0, dtype=float),
    )
    out = np.empty(args[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = rule(*(float(a[idx]) if a.dtype != bool else bool(a[idx]) for a in args))
    return out
