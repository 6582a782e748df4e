"""Plotting: one journal style and one module per kind of figure.

Data preparation lives apart from drawing. Every plot function takes
``ax=None`` (a new figure in the journal style is made only when no axes is
given), returns the artist it drew, and never resizes a figure it did not
create.
"""
