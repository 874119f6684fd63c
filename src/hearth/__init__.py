"""hearth: a self-hosted platform described once, rendered, verified and deployed."""

__version__ = "0.1.0"
