r"""Beliefs about the other's type: Bayes' rule with incidents, empathy and turnover.

docs/model.md section 12 (Kydd 2000, 2005; Jervis 1976; Booth and Wheeler
2008). Under ``trust.model = "bayesian"`` actor ``i``'s trust ``tau_i`` is its
belief that the other actor ``j`` is *trustworthy* (a security seeker) rather
than *greedy*. In a round with an arrangement on the table, ``i`` knows the
decision rules and computes ``j``'s compliance probability for each type,
``sigma_S`` and ``sigma_G`` (logit choice, or 0/1 at infinite precision),
weighted by its empathy ``e_i`` (security-dilemma sensibility)::

    sigma_x = e_i * sigma_x(tau_j) + (1 - e_i) * sigma_x(1)

With ``q = epsilon_i (1 - m)`` the probability of misreading a compliance
(section 4), the likelihoods of what ``i`` perceived are::

    perceived C:  L_x = sigma_x (1 - q)
    perceived D:  L_x = sigma_x q + (1 - sigma_x)

and the posterior is ``tau L_S / (tau L_S + (1 - tau) L_G)`` (unchanged if
the denominator is 0). Type turnover (section 12.3) then predicts the belief
forward: ``tau <- (1 - phi) tau + phi tau_0``.

Every function here works on Python floats and uses only arithmetic and
:func:`math.exp`, so the engine's round
kernel compiles the same source with numba: the formulas exist once.
"""

from __future__ import annotations

__all__ = [
    "bayes_update",
    "empathic_probability",
    "likelihood",
    "posterior",
    "predict_turnover",
]


def empathic_probability(empathy: float, at_trust: float, at_full_trust: float) -> float:
    """``e sigma(tau_j) + (1 - e) sigma(1)``: the other's compliance probability as ``i`` models it.

    With ``empathy = 1`` actor ``i`` knows the other's actual trust (a
    trustworthy other that defects out of fear is understood as such); with
    ``empathy = 0`` it assumes a trustworthy other is never afraid, so every
    defection reads as greed (Jervis's spiral). docs/model.md section 12.2.
    """
    return empathy * at_trust + (1.0 - empathy) * at_full_trust


def likelihood(sigma: float, q: float, perceived_compliance: bool) -> float:
    """Probability that ``i`` perceives what it perceived, given the other complies with ``sigma``.

    A compliance is misread as a defection with probability ``q``; a defection
    is always seen (docs/model.md sections 4 and 12.2).
    """
    if perceived_compliance:
        return sigma * (1.0 - q)
    return sigma * q + (1.0 - sigma)


def posterior(tau: float, l_trustworthy: float, l_greedy: float) -> float:
    """Bayes' rule: ``tau L_S / (tau L_S + (1 - tau) L_G)``; ``tau`` unchanged if that is 0/0.

    Equal likelihoods return ``tau`` exactly (a move both types make alike
    teaches nothing), and the likelihoods are divided by the larger one
    first, so tiny probabilities do not underflow to a spurious 0 or 1.
    """
    if l_trustworthy == l_greedy:
        return tau
    # dividing by the larger likelihood leaves it exactly 1: one division fewer
    if l_trustworthy > l_greedy:
        num = tau
        den = num + (1.0 - tau) * (l_greedy / l_trustworthy)
    else:
        num = tau * (l_trustworthy / l_greedy)
        den = num + (1.0 - tau)
    if den <= 0.0:
        return tau
    return num / den


def bayes_update(
    tau: float, sigma_trustworthy: float, sigma_greedy: float, q: float, perceived_compliance: bool
) -> float:
    """Posterior belief that the other is trustworthy after one perception (docs/model.md section 12.2).

    Examples
    --------
    The first check of docs/model.md section 12.5:

    >>> round(bayes_update(0.5, 1.0, 0.2, 0.1, True), 6)
    0.833333
    >>> round(bayes_update(0.5, 1.0, 0.2, 0.1, False), 6)
    0.108696
    """
    return posterior(
        tau,
        likelihood(sigma_trustworthy, q, perceived_compliance),
        likelihood(sigma_greedy, q, perceived_compliance),
    )


def predict_turnover(tau: float, phi: float, tau0: float) -> float:
    """Belief after type turnover: ``(1 - phi) tau + phi tau_0`` (docs/model.md section 12.3).

    Each round the other's type is redrawn with probability ``phi`` (a change
    of government or doctrine) from the prior ``tau_0``.
    """
    return (1.0 - phi) * tau + phi * tau0
