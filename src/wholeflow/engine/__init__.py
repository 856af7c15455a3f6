"""The simulation engine: compile a model to arrays, run replications, collect results.

The kernel (:mod:`wholeflow.engine.kernel`) is a numba-compiled event loop over flat arrays;
it knows nothing of YAML or pydantic, and the model knows nothing of numba.
"""

from wholeflow import _numba_cache  # noqa: F401  (first: where the kernels are cached)
from wholeflow import precompile as _precompile
from wholeflow.engine.compile import CompiledModel, compile_model
from wholeflow.engine.replication import Replication, run_replication
from wholeflow.engine.results import Results, summarise
from wholeflow.engine.simulate import SerialRunner, simulate

# a cold cache: the KPI passes compile in another process while the event loop compiles here
_precompile.compile_alongside_kernel()

__all__ = [
    "CompiledModel",
    "Replication",
    "Results",
    "SerialRunner",
    "compile_model",
    "run_replication",
    "simulate",
    "summarise",
]
