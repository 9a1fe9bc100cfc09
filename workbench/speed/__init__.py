"""CPU speed tricks that training switches on: the allocator that keeps freed memory in the process, cheaper
dropout masks, and releasing idle OpenMP thread teams.

The lowest layer: these modules import nothing else from the workbench, only torch and transformers, so any
layer above may use them. A trick belongs here when it changes how fast a run trains, never what it computes
(`fast_dropout` keeps the keep rate; it is off by default until paired seeds show it costs no accuracy).
"""
