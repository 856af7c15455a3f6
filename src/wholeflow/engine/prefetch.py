"""``prefetch(records, index)``: start loading one row of an array into the caches.

Used by the kernel (inside numba-compiled code only). On a large model the people in the system
no longer fit in the processor's caches, and each event would wait for its person's row to come
from memory. The next events are known in advance (the top of the event heap), so the kernel
asks for their rows while it handles the current one; the wait then mostly overlaps work.
Prefetching changes no result, only when memory is read.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx: Any, records: Any, index: Any) -> Any:
    """Compile to LLVM's ``prefetch`` of ``&records[index]`` (read, keep in all cache levels)."""
    sig = types.void(records, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, array, [args[1]],
                                           wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # arguments: address, 0 = for reading, 3 = high temporal locality, 1 = data cache
        builder.call(fn, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen
