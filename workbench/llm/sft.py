"""Generative fine-tuning of a causal LM with the Hugging Face Trainer, LoRA (the default), full or last-N layers.

Instruction tuning (SFT, `train_sft`): the loss on the response tokens or on every token; at each evaluation the
validation loss, its perplexity, and a fixed set of held-out prompts answered by greedy decoding and scored (format
rate, exact match), beside the base model's answers to the same prompts.

Continued pre-training (`train_text`): raw text of a domain, packed into blocks, the loss on every token; the
validation perplexity on held-out text of the same domain says how much closer to it the model moved.

Both stop at the end of the step in which `should_stop()` turns true, and keep what they measured so far."""
from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from typing import Callable


from .instructions import InstructionSplits, TextCorpus, score_answers
from .causal_lm import Decoding, LLMError, collate, encode_pair, generate

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
    score_during_training: bool = True  # False: evaluations report the loss only; prompts answered before and after
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
    stopped: bool = False               # should_stop() ended training before its planned steps
    train_tokens: int = 0               # tokens trained on (padding excluded)
    eval_seconds: float = 0.0           # validation-loss passes during training (their generation not included)
    dropped: int = 0                    # training pairs left out: the response alone is longer than max_length
    model: object = None                # the trained model (a PEFT model with LoRA); see merged()

    def speed(self) -> dict:
        """Steps and tokens per second of the training steps alone, and the share of the whole run (steps,
        validation passes and answering the fixed prompts) spent answering the prompts."""
        seconds = max(self.train_seconds, 1e-9)
        whole = seconds + self.eval_seconds + self.generation_seconds
        return {"steps_per_second": self.steps / seconds, "tokens_per_second": self.train_tokens / seconds,
                "generation_share": self.generation_seconds / whole}

    def merged(self):
        """The trained model as a plain transformers model: LoRA adapters folded into the weights they adapt."""
        return self.model.merge_and_unload() if hasattr(self.model, "merge_and_unload") else self.model


def train_sft(model, tokenizer, data: InstructionSplits, cfg: SFTConfig = SFTConfig(),
              on_event: Callable[[dict], None] = lambda row: None,
              should_stop: Callable[[], bool] = lambda: False, base: tuple[dict, list[str]] | None = None) -> SFTResult:
    """Fine-tune `model` on data.train; `on_event` receives each history row as it happens (for live curves).
    Holds the host's device lock throughout (as the runner's runs do), so a notebook, the CLI and the app never
    train at once; while another job holds it, this waits and says for whom. `base`: the (scores, answers) this
    same base model gave the same held-out prompts with the same decoding, when the caller has them already."""
    with holding_device(f"sft {data.task}", should_stop):
        return _train_sft(model, tokenizer, data, cfg, on_event, should_stop, base)


def train_text(model, tokenizer, corpus: TextCorpus, cfg: SFTConfig = SFTConfig(),
               on_event: Callable[[dict], None] = lambda row: None,
               should_stop: Callable[[], bool] = lambda: False) -> SFTResult:
    """Continued pre-training on corpus.train (raw text, the loss on every token), under the host's device lock.
    before/after hold the validation loss and perplexity on corpus.val; there are no prompts to answer."""
    with holding_device(f"continued pre-training on {corpus.name}", should_stop):
        train = pack_text(tokenizer, corpus.train, cfg.max_length)
        val = pack_text(tokenizer, corpus.val, cfg.max_length)
        before = _perplexity(model, tokenizer, val, cfg)
        result = _fit(model, tokenizer, train, val, cfg, on_event, should_stop, lambda m: {})
        result.before, result.after = before, _perplexity(result.model, tokenizer, val, cfg)
        return result


class TrainingStopped(LLMError):
    """A stop came while the training was still waiting for the device: nothing was trained."""


class holding_device:
    """The host's device lock for one training (or anything that must not run beside one); a stop while waiting
    for it raises TrainingStopped."""

    def __init__(self, who: str, should_stop: Callable[[], bool] = lambda: False):
        from ..core.device_queue import DeviceLock
        from ..core.store import workbench_home

        self.who, self.should_stop, self.lock = who, should_stop, DeviceLock(workbench_home() / "locks")

    def __enter__(self):
        import sys

        from ..core.device_queue import describe_holder

        if not self.lock.acquire(self.who, should_give_up=self.should_stop, on_wait=lambda holder: print(
                f"waiting for {describe_holder(holder)} to finish ...", file=sys.stderr, flush=True)):
            raise TrainingStopped("Stopped while waiting for the device; nothing was trained.")

    def __exit__(self, *exc):
        self.lock.release()


def pack_text(tokenizer, texts: list[str], block: int) -> list[dict]:
    """The texts tokenized, each ended by the end-of-sequence token, concatenated and cut into blocks of `block`
    tokens (the last, shorter block kept): the usual causal-LM packing, so no step is spent on padding."""
    if not texts:
        raise LLMError("No text to train on: the corpus is empty.")
    stream: list[int] = []
    for text in texts:
        stream += tokenizer(str(text), add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    blocks = [stream[i:i + block] for i in range(0, len(stream), block)]
    return [{"input_ids": ids, "labels": list(ids)} for ids in blocks if len(ids) > 1]


def _perplexity(model, tokenizer, blocks: list[dict], cfg: SFTConfig) -> dict:
    """Mean token loss over the blocks (each token weighted alike) and its perplexity."""
    import torch

    with torch.inference_mode():
        return _mean_loss(model, tokenizer, blocks, cfg)


def _mean_loss(model, tokenizer, blocks: list[dict], cfg: SFTConfig) -> dict:
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    try:
        for start in range(0, len(blocks), cfg.batch_size):
            batch = collate(blocks[start:start + cfg.batch_size], tokenizer.pad_token_id)
            batch = {k: v.to(model.device) for k, v in batch.items()}
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += float(model(**batch).loss) * n
            tokens += n
    finally:
        model.train(was_training)
    loss = total / max(tokens, 1)
    return {"eval_loss": loss, "perplexity": math.exp(min(loss, 50.0)), "tokens": tokens}


def _train_sft(model, tokenizer, data: InstructionSplits, cfg: SFTConfig, on_event, should_stop,
               base=None) -> SFTResult:
    from transformers import set_seed

    set_seed(cfg.seed)
    prompts = data.test[:cfg.eval_prompts]
    generation = [0.0]

    def scores(m) -> tuple[dict, list[str]]:
        started = time.perf_counter()
        answers = generate(m, tokenizer, [p.prompt for p in prompts], cfg.decoding)
        generation[0] += time.perf_counter() - started
        return score_answers(answers, prompts, data.task), answers

    before, base_answers = base or scores(model)
    train, dropped = _encoded(tokenizer, data.train, cfg)
    val, _ = _encoded(tokenizer, data.val, cfg)
    during = generation[0]
    result = _fit(model, tokenizer, train, val, cfg, on_event, should_stop,
                  lambda m: scores(m)[0] if cfg.score_during_training else {})
    result.train_seconds -= generation[0] - during       # answering prompts at evaluations is not training
    after, tuned_answers = scores(result.model)
    result.before, result.after, result.dropped = before, after, dropped
    result.answers = [{"prompt": p.prompt, "wanted": p.response, "base": b, "fine-tuned": t}
                      for p, b, t in zip(prompts, base_answers, tuned_answers)]
    result.generation_seconds = generation[0]
    return result


def _encoded(tokenizer, pairs: list, cfg: SFTConfig) -> tuple[list[dict], int]:
    """The pairs encoded, leaving out those whose response alone is longer than max_length (uploaded and hub sets
    hold some); (encoded, how many were left out). None left is an error."""
    encoded = []
    for pair in pairs:
        try:
            encoded.append(encode_pair(tokenizer, pair, cfg.max_length, cfg.loss_on))
        except LLMError as err:
            if "longer than max_length" not in str(err):
                raise
    if pairs and not encoded:
        raise LLMError(f"Every response is longer than max_length={cfg.max_length} tokens; raise max_length.")
    return encoded, len(pairs) - len(encoded)


def _fit(model, tokenizer, train: list[dict], val: list[dict], cfg: SFTConfig, on_event, should_stop,
         eval_scores: Callable) -> SFTResult:
    """The Trainer loop both tasks share; eval_scores(model) adds the task's scores to each evaluation's row."""
    import torch
    from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments, set_seed

    from ..core.callbacks import raise_if_not_finite
    from ..core.training import resolve_precision

    set_seed(cfg.seed)
    model = apply_sft_strategy(model, cfg)
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.epochs))
    history: list[dict] = []
    stopped = [False]
    timer = {"eval": 0.0, "eval_started": None}

    class Live(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                # a diverged run fails with the runner's 'diverged' hint instead of finishing with NaN scores
                raise_if_not_finite(logs["loss"], "training loss", f" at step {state.global_step}")
                row = {"step": state.global_step, "train_loss": float(logs["loss"])}
                history.append(row)
                on_event(row)

        def on_step_end(self, args, state, control, **kwargs):
            if should_stop() and state.global_step < state.max_steps:
                stopped[0] = control.should_training_stop = True
                control.should_evaluate = False
            if control.should_evaluate:        # runs after the flow callback has decided to evaluate
                timer["eval_started"] = time.perf_counter()

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
            if timer["eval_started"] is not None:
                timer["eval"] += time.perf_counter() - timer["eval_started"]
                timer["eval_started"] = None
            loss = float(metrics["eval_loss"])
            row = {"step": state.global_step, "eval_loss": loss, "perplexity": math.exp(min(loss, 50.0))}
            row.update({f"eval_{k}": v for k, v in eval_scores(model).items() if k != "n"})
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
            remove_unused_columns=False, include_num_input_tokens_seen="non_padding")
        trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val,
                          data_collator=lambda batch: collate(batch, tokenizer.pad_token_id), callbacks=[Live()])
        trainer.remove_callback(PrinterCallback)    # the rows go to on_event, not raw dicts to stdout
        started = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - started
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return SFTResult(history, {}, {}, [], train_seconds - timer["eval"], 0.0, trainable, trainer.state.global_step,
                     stopped[0], int(trainer.state.num_input_tokens_seen), timer["eval"], model=model)
