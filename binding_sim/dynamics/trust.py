r"""Trust models: how each actor's trust moves (docs/model.md sections 4 and 12).

Actor ``i`` holds trust ``tau_i`` in [0, 1]. The model is chosen by the
scenario key ``trust.model`` (:data:`binding_sim.config.schema.TRUST_MODELS`).

``"linear"`` (section 4): ``tau_i`` is the probability ``i`` assigns to the
other complying. In a round in which an arrangement ``X`` is on the table
the actor updates from what it *perceived* of the other's action (an
incident makes a compliance look like a defection):

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

``"bayesian"`` (section 12.2, Kydd 2000, 2005): ``tau_i`` is the belief that
the other is trustworthy. In a round with ``X`` on the table, Bayes' rule
with the likelihoods of what ``i`` perceived under each type of the other
(:func:`binding_sim.model.beliefs.bayes_update`; the kernel supplies the
other's type-specific compliance probabilities, weighted by ``i``'s
empathy); then, every round, the prediction for type turnover (section
12.3): ``tau_i <- (1 - phi) tau_i + phi tau_0i``
(:func:`binding_sim.model.beliefs.predict_turnover`). ``lambda``, ``mu`` and
the trust weights play no part.

Each model is one scalar rule written once (:func:`linear_update_scalar`,
:func:`bayesian_update_scalar`): numba compiles it into the engine's kernel
(:mod:`binding_sim.dynamics.kernel`), where the model is chosen by its
integer id (:data:`MODELS`; one branch per model in
``kernel.trust_update``), and :func:`update` applies it elementwise to
arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import BindingSimError
from ..model.beliefs import bayes_update, predict_turnover

__all__ = [
    "BAYESIAN",
    "LINEAR",
    "MODELS",
    "TrustModel",
    "bayesian_update_scalar",
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


def bayesian_update_scalar(
    tau: float,
    perceived_compliance: bool,
    on_table: bool,
    sigma_trustworthy: float,
    sigma_greedy: float,
    q: float,
    phi: float,
    tau0: float,
) -> float:
    """The Bayesian belief update with type turnover, for one actor in one round (docs/model.md section 12).

    Parameters
    ----------
    tau : float
        Belief at the start of the round that the other is trustworthy.
    perceived_compliance : bool
        Whether the actor perceived the other as complying.
    on_table : bool
        Whether an arrangement was on the table (otherwise only the prediction).
    sigma_trustworthy, sigma_greedy : float
        The other's compliance probability if trustworthy and if greedy, as
        the actor models it (with its empathy, section 12.2).
    q : float
        Probability that the actor misreads a compliance, ``epsilon_i (1 - m)``.
    phi : float
        Type turnover probability per round (``recovery_rate``, section 12.3).
    tau0 : float
        The prior (``initial_trust``): the belief about a freshly drawn type.

    Returns
    -------
    float
        The posterior (:func:`binding_sim.model.beliefs.bayes_update`; the
        belief itself when nothing was on the table), then predicted forward
        for turnover (:func:`binding_sim.model.beliefs.predict_turnover`;
        skipped at ``phi = 0``, where it is the identity). Plain Python,
        compiled by numba into the engine's kernel.
    """
    moved = tau
    if on_table:
        moved = bayes_update(tau, sigma_trustworthy, sigma_greedy, q, perceived_compliance)
    if phi == 0.0:
        return moved
    return predict_turnover(moved, phi, tau0)


@dataclass(frozen=True)
class TrustModel:
    """One trust model: its name (``trust.model``), kernel branch id and scalar rule."""

    name: str
    id: int
    rule: Callable[..., float]


LINEAR = 0
"""Kernel branch id of the ``"linear"`` model."""

BAYESIAN = 1
"""Kernel branch id of the ``"bayesian"`` model."""

MODELS: dict[str, TrustModel] = {
    "linear": TrustModel("linear", LINEAR, linear_update_scalar),
    "bayesian": TrustModel("bayesian", BAYESIAN, bayesian_update_scalar),
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
    *params: npt.ArrayLike,
) -> np.ndarray:
    """Apply trust model ``model``'s rule elementwise (arguments broadcast as numpy arrays).

    ``params`` are the rule's numeric parameters after the first three, in
    its order: ``lam_w, mu, phi, tau0`` for ``"linear"``
    (:func:`linear_update_scalar`); ``sigma_trustworthy, sigma_greedy, q,
    phi, tau0`` for ``"bayesian"`` (:func:`bayesian_update_scalar`).
    """
    rule = trust_model(model).rule
    args = np.broadcast_arrays(
        np.asarray(tau, dtype=float),
        np.asarray(perceived_compliance, dtype=bool),
        np.asarray(on_table, dtype=bool),
        *(np.asarray(p, dtype=float) for p in params),
    )
    out = np.empty(args[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = rule(*(float(a[idx]) if a.dtype != bool else bool(a[idx]) for a in args))
    return out
