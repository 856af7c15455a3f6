"""The simulation engine: compile a model to arrays, run replications, collect results.

The kernel (:mod:`wholeflow.engine.kernel`) is a numba-compiled event loop over flat arrays;
it knows nothing of YAML or pydantic, and the model knows nothing of numba.
"""

from wholeflow.engine.compile import CompiledModel, compile_model
from wholeflow.engine.replication import Replication, run_replication
from wholeflow.engine.results import Results, summarise
from wholeflow.engine.simulate import SerialRunner, simulate

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
