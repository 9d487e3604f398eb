"""xenkb: recognise known Xen problems in a log and answer with the documented fix.

The engine (kb, normalize, scan, match, facts, render) is usable from Python without
the command line; cli.py and repl/ are thin front ends over it.
"""

__version__ = "0.1.0"
