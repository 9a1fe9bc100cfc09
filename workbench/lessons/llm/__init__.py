"""LLM fine-tuning lessons on the offline SmolLM2-135M-Instruct: what instruction tuning changes, LoRA against full
fine-tuning and where the loss is computed (llm.1-3) in `instruction`; catastrophic forgetting (llm.4) in
`forgetting`; decoding (llm.5) in `decoding`. `trials` runs the paired fine-tuning trials they share; `common` holds
their shared sentences and bars.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .decoding import LLM_5
from .forgetting import LLM_4
from .instruction import LLM_1, LLM_2, LLM_3

LESSONS = [LLM_1, LLM_2, LLM_3, LLM_4, LLM_5]
