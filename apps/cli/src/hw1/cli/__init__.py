"""hw1-cli: the ``hw1`` command. Thin Click commands over the hw1 libraries."""

__version__ = "0.4.0"
