"""Generative fine-tuning of a small instruct LLM (SmolLM2-135M-Instruct, offline from its GGUF package).

`causal_lm` loads the model and writes chat-formatted pairs, `instructions` builds the instruction sets and scores
answers, `sft` holds the instruction-tuning and continued pre-training loops, `runs` runs them in the background
with folders on disk, and `export` writes a run as a standalone `train.py`.

Built on the core (run folders, the device lock, precision) and `analysis.stats`; no UI library.
"""
