"""Withdraw and redirect of a handover, and the loop card's check: they live in ``services.handover``."""

from .services.handover import accept_check, card_presence, handover_redirect, handover_withdraw

__all__ = ["accept_check", "card_presence", "handover_redirect", "handover_withdraw"]
