"""Funding service: awards in lieu of subsidies (以奖代补), rules F1–F7, ledger, budget."""
