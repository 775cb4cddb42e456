"""Bramble & Birch, a demo shop of a few static pages that embed the chat widget as a real shop would."""
