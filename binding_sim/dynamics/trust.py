r"""Trust dynamics: how each actor's belief that the other complies moves (docs/model.md section 4).

Actor ``i`` holds trust ``tau_i`` in [0, 1], the probability it assigns to
the other complying. In a round in which an arrangement ``X`` is on the
table it updates from what it *perceived* of the other's action (an
incident makes a compliance look like a defection):

.. math::

    \tau_i \leftarrow
    \begin{cases}
        \tau_i + \lambda w_X (1 - \tau_i) & \text{perceived compliance} \\
        \tau_i (1 - \mu)                  & \text{perceived defection}
    \end{cases}

and then, every round (also rounds with nothing on the table), recovers
toward its initial level from below only:
``tau_i <- tau_i + phi * max(0, tau_0i - tau_i)``.

The rule is selected by the scenario key ``trust.model``; the only model so
far is ``"linear"`` (above). Each model is one rule written twice over the
same arithmetic: an array version (:func:`linear_update`, used by the numpy
engine path) and a scalar version (:func:`linear_update_scalar`, compiled by
numba into the engine's round kernel), so both paths give the same bits. A
second model (for instance Bayesian updating on the other's type, Kydd 2005)
is added by writing both versions, registering them in :data:`MODELS`, and
giving it the next :func:`model_id` branch in the engine kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import BindingSimError

__all__ = [
    "MODELS",
    "TrustModel",
    "linear_update",
    "linear_update_scalar",
    "model_id",
    "trust_model",
    "update",
]


def linear_update(
    tau: npt.ArrayLike,
    perceived_compliance: npt.ArrayLike,
    on_table: npt.ArrayLike,
    lam_w: npt.ArrayLike,
    mu: npt.ArrayLike,
    phi: npt.ArrayLike,
    tau0: npt.ArrayLike,
) -> np.ndarray:
    r"""Linear trust update with recovery, vectorised (docs/model.md section 4).

    Parameters
    ----------
    tau : array_like
        Trust at the start of the round.
    perceived_compliance : array_like of bool
        Whether the actor perceived the other as complying.
    on_table : array_like of bool
        Whether an arrangement was on the table (otherwise only recovery).
    lam_w : array_like
        ``lambda * w_X``: building rate times the arrangement's trust weight.
    mu, phi : array_like
        Erosion rate and recovery rate.
    tau0 : array_like
        Initial trust (the recovery target, approached from below only).

    Returns
    -------
    ndarray
        Trust after the update and the recovery, broadcast shape of the inputs.
    """
    tau = np.asarray(tau, dtype=float)
    lam_w = np.asarray(lam_w, dtype=float)
    phi = np.asarray(phi, dtype=float)
    tau0 = np.asarray(tau0, dtype=float)
    # the loader accepts lambda * w up to 1 + 1e-12 (floating-point ties): cap at 1
    built = np.minimum(tau + lam_w * (1.0 - tau), 1.0)
    eroded = tau * (1.0 - np.asarray(mu, dtype=float))
    moved = np.where(
        np.asarray(on_table, dtype=bool), np.where(perceived_compliance, built, eroded), tau
    )
    return np.asarray(moved + phi * np.maximum(0.0, tau0 - moved))


def linear_update_scalar(
    tau: float,
    perceived_compliance: bool,
    on_table: bool,
    lam_w: float,
    mu: float,
    phi: float,
    tau0: float,
) -> float:
    """Scalar twin of :func:`linear_update` (same arithmetic; numba-compilable, branch-free)."""
    built = min(tau + lam_w * (1.0 - tau), 1.0)
    eroded = tau * (1.0 - mu)
    moved = built if perceived_compliance else eroded
    moved = moved if on_table else tau
    return moved + phi * max(0.0, tau0 - moved)


@dataclass(frozen=True)
class TrustModel:
    """One trust model: its name, engine branch id, array rule and scalar rule."""

    name: str
    id: int
    array_rule: Callable[..., np.ndarray]
    scalar_rule: Callable[..., float]


MODELS: dict[str, TrustModel] = {
    "linear": TrustModel("linear", 0, linear_update, linear_update_scalar),
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
    """Apply trust model ``model`` (the one front door used by the numpy engine path)."""
    return trust_model(model).array_rule(tau, perceived_compliance, on_table, lam_w, mu, phi, tau0)
