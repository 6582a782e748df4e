r"""Binding protocols as a registry of compilers (docs/model.md section 5).

A protocol turns a scenario into a :class:`~binding_sim.dynamics.protocols.program.Program`:
protocol states, each with its offers in priority order (arrangement as
played, gate, next state on mutual compliance or binding, next state on a
defection, background payments) and its transparency. The engine's one
kernel reads the packed tables of any protocol without knowing which it is.

Under ``protocols.binding = "revocable"`` (docs/model.md section 13.1)
:func:`compile_program` applies one transformation to whatever the
protocol compiled, :func:`~binding_sim.dynamics.protocols.program.make_revocable`:
each binding offer gets a bound state, so no protocol handles binding itself.

The protocol *names* are configuration: they live in
:data:`binding_sim.config.schema.PROTOCOL_NAMES` (with each protocol's
scenario keys ``protocols.NAME.KEY``); :data:`COMPILERS` maps every name to
its compiler, and a test holds the two equal.

Adding a protocol: one module in this package with a ``compile_*`` function
returning a :class:`Program`, one line in :data:`COMPILERS`, its name in
``PROTOCOL_NAMES`` and its keys in the schema (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable

from ...config.scenario import Scenario
from ...config.schema import PROTOCOL_NAMES
from ...errors import BindingSimError
from .formal import compile_formal
from .piecemeal import compile_piecemeal
from .program import BIND, Offer, Program, ProtocolState, Slot, make_revocable

__all__ = [
    "BIND",
    "COMPILERS",
    "Offer",
    "Program",
    "ProtocolState",
    "Slot",
    "check_protocol",
    "compile_program",
    "make_revocable",
]

COMPILERS: dict[str, Callable[[Scenario], Program]] = {
    "formal": compile_formal,
    "piecemeal": compile_piecemeal,
}
"""Protocol name -> compiler (names as in :data:`binding_sim.config.schema.PROTOCOL_NAMES`)."""


def check_protocol(protocol: str) -> None:
    """Raise a one-line :class:`BindingSimError` unless ``protocol`` is a configured protocol."""
    if protocol not in PROTOCOL_NAMES or protocol not in COMPILERS:
        raise BindingSimError(
            f"protocol = {protocol!r}: unknown protocol; choose one of {', '.join(PROTOCOL_NAMES)}"
        )


def compile_program(scenario: Scenario, protocol: str) -> Program:
    """Compile ``scenario`` under ``protocol`` (see :mod:`binding_sim.dynamics.protocols.program`).

    With ``scenario.binding == "revocable"`` the compiled program gets its
    bound states (:func:`~binding_sim.dynamics.protocols.program.make_revocable`,
    docs/model.md section 13.1); with ``"absorbing"`` it is the protocol's own.
    """
    check_protocol(protocol)
    program = COMPILERS[protocol](scenario)
    if scenario.binding == "revocable":
        program = make_revocable(program)
    return program
