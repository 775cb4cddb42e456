"""Analytics that tell the shop the truth: deflection checked for re-contact, CSAT, what to fix next.

``store`` derives compact tables from Rasa's tracker store (incrementally, so a page
reads aggregates, not millions of events); ``numbers`` computes every figure as plain
functions over those tables and the desk database; ``clusters`` groups the questions
the bot failed by meaning; ``report`` puts them together for the page, the CLI and the
weekly e-mail.
"""
