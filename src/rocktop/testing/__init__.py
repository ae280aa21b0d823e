"""Test and benchmark helpers shipped with the package: synthetic signals and spoken test audio.

Nothing here is used by the library itself; tests and ``benchmarks/`` import it so that no
test helper needs a ``sys.path`` edit.
"""
