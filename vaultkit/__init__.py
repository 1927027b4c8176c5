"""vaultkit: a Markdown vault as a working notebook for a job search and a network.

The pipeline is ``scan -> parse -> model -> plan -> write`` (see ``vaultkit.build``).
"""

__version__ = "0.1.0"
