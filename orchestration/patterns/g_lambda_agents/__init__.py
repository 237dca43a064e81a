"""Pattern G: `manager.py` (the conversation) and one Lambda per specialist.

May import what a pattern may (see `patterns/__init__.py`); the Lambdas run through `aws.lambdas`."""

from .manager import LambdaAgents

__all__ = ["LambdaAgents"]
