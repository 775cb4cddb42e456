"""Rasa input channels of the shop assistant (one module per channel)."""
