"""rejuv: a cited, explainable decision aid for facial mesotherapy and PRP.

The package is split into a functional core (domain, knowledge, engine, planning) that does no I/O beyond
reading its own shipped data, and shells (cli, web) that call it. A qualified professional makes every
clinical decision; rejuv only explains the evidence and the rules.
"""

__version__ = "0.1.0"
