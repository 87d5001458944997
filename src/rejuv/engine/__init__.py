"""The decision engine: pure functions from an intake and a knowledge base to findings and a recommendation."""

from rejuv.engine.decision import recommend
from rejuv.engine.rules import compile_rules, screen

__all__ = ["compile_rules", "recommend", "screen"]
