"""Instruction tuning (SFT) of a causal LM with the Hugging Face Trainer: LoRA (the default), full or last-N
layers; the loss on the response tokens or on every token; at each evaluation the validation loss, its perplexity,
and a fixed set of held-out prompts answered by greedy decoding and scored (format rate, exact match), beside the
base model's answers to the same prompts."""
from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from typing import Callable

import torch

from .instructions import InstructionSplits, score_answers
from .llm import Decoding, LLMError, collate, encode_pair, generate

STRATEGIES = ("lora", "full", "last_n")
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclasses.dataclass(frozen=True)
class SFTConfig:
    strategy: str = "lora"
    lora_r: int = 8
    lora_alpha: int = 16
    trainable_layers: int = 2          # last_n
    lr: float | None = None            # default: 2e-4 for LoRA, 2e-5 otherwise
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 8
    max_length: int = 192
    loss_on: str = "response"
    eval_every: int | None = None      # default: twice per run
    eval_prompts: int = 32             # held-out prompts answered at each evaluation
    seed: int = 0
    precision: str = "auto"
    decoding: Decoding = Decoding(max_new_tokens=16)

    def learning_rate(self) -> float:
        return self.lr or (2e-4 if self.strategy == "lora" else 2e-5)


def apply_sft_strategy(model, cfg: SFTConfig):
    """The model with only what the strategy trains left trainable (LoRA wraps it in a PEFT model)."""
    if cfg.strategy not in STRATEGIES:
        raise LLMError(f"strategy must be one of {STRATEGIES} (got {cfg.strategy!r}).")
    if cfg.strategy == "lora":
        from peft import LoraConfig, get_peft_model

        targets = [t for t in LORA_TARGETS if any(n.endswith(t) for n, _ in model.named_modules())]
        if not targets:
            raise LLMError(f"No attention projections named {LORA_TARGETS} to put LoRA adapters on.")
        return get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, target_modules=targets,
                                                lora_dropout=0.0, task_type="CAUSAL_LM"))
    if cfg.strategy == "last_n":
        layers = getattr(getattr(model, "model", None), "layers", None)
        if layers is None:
            raise LLMError("last_n needs a decoder with model.layers (Llama-style); use lora or full.")
        if not 1 <= cfg.trainable_layers <= len(layers):
            raise LLMError(f"trainable_layers must be between 1 and {len(layers)} (got {cfg.trainable_layers}).")
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in layers[-cfg.trainable_layers:]:
            for p in layer.parameters():
                p.requires_grad_(True)
    return model


@dataclasses.dataclass
class SFTResult:
    history: list[dict]                 # {"step", "train_loss"} and {"step", "eval_loss", "perplexity", ...}
    before: dict                        # the base model's scores on the fixed prompts
    after: dict
    answers: list[dict]                 # prompt, wanted, base answer, fine-tuned answer
    train_seconds: float
    generation_seconds: float           # answering the fixed prompts: before, at each evaluation and after
    trainable_parameters: int
    steps: int


def train_sft(model, tokenizer, data: InstructionSplits, cfg: SFTConfig = SFTConfig(),
              on_event: Callable[[dict], None] = lambda row: None) -> SFTResult:
    """Fine-tune `model` on data.train; `on_event` receives each history row as it happens (for live curves).
    Holds the host's device lock throughout (as the runner's runs do), so a notebook, the CLI and the app never
    train at once; while another job holds it, this waits and says for whom."""
    import sys

    from .device_queue import DeviceLock, describe_holder
    from .store import workbench_home

    lock = DeviceLock(workbench_home() / "locks")
    lock.acquire(f"sft {data.task}", on_wait=lambda holder: print(
        f"waiting for {describe_holder(holder)} to finish ...", file=sys.stderr, flush=True))
    try:
        return _train_sft(model, tokenizer, data, cfg, on_event)
    finally:
        lock.release()


def _train_sft(model, tokenizer, data: InstructionSplits, cfg: SFTConfig, on_event) -> SFTResult:
    from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments, set_seed

    from .training import resolve_precision

    set_seed(cfg.seed)
    prompts = data.test[:cfg.eval_prompts]
    timer = {"generation": 0.0}

    def scores(m) -> tuple[dict, list[str]]:
        started = time.perf_counter()
        answers = generate(m, tokenizer, [p.prompt for p in prompts], cfg.decoding)
        timer["generation"] += time.perf_counter() - started
        return score_answers(answers, prompts, data.task), answers

    before, base_answers = scores(model)
    model = apply_sft_strategy(model, cfg)
    train = [encode_pair(tokenizer, p, cfg.max_length, cfg.loss_on) for p in data.train]
    val = [encode_pair(tokenizer, p, cfg.max_length, cfg.loss_on) for p in data.val]
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))
    history: list[dict] = []

    class Live(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                row = {"step": state.global_step, "train_loss": float(logs["loss"])}
                history.append(row)
                on_event(row)

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
            loss = float(metrics["eval_loss"])
            row = {"step": state.global_step, "eval_loss": loss, "perplexity": math.exp(min(loss, 50.0))}
            row.update({f"eval_{k}": v for k, v in scores(model)[0].items() if k != "n"})
            history.append(row)
            on_event(row)

    precision, _ = resolve_precision(cfg.precision)
    with tempfile.TemporaryDirectory(prefix="sft_") as scratch:
        args = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
            learning_rate=cfg.learning_rate(), num_train_epochs=cfg.epochs, max_steps=cfg.max_steps or -1,
            lr_scheduler_type="linear", warmup_steps=max(1, total // 10), logging_steps=max(1, total // 20),
            logging_first_step=True, eval_strategy="steps", eval_steps=cfg.eval_every or max(1, total // 2),
            save_strategy="no", seed=cfg.seed, data_seed=cfg.seed, bf16=precision == "bf16",
            fp16=precision == "fp16", use_cpu=not torch.cuda.is_available(), report_to="none", disable_tqdm=True,
            remove_unused_columns=False)
        trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                          data_collator=lambda batch: collate(batch, tokenizer.pad_token_id), callbacks=[Live()])
        trainer.remove_callback(PrinterCallback)    # the rows go to on_event, not raw dicts to stdout
        started = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - started
    after, tuned_answers = scores(model)
    answers = [{"prompt": p.prompt, "wanted": p.response, "base": b, "fine-tuned": t}
               for p, b, t in zip(prompts, base_answers, tuned_answers)]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return SFTResult(history, before, after, answers, train_seconds, timer["generation"], trainable,
                     trainer.state.global_step)
