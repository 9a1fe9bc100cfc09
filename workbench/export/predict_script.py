"""`model/predict.py` for exported image and tabular models: loads the safetensors weights beside it and
prints predicted labels and probabilities for a CSV of rows or a folder of images, without the workbench."""
from __future__ import annotations

from .template import fill
from .train_sections import IMAGE_MODULE, TABULAR_MODULE

PREDICT_TABULAR = '''"""Predict with the exported MLP, without the workbench:

    python model/predict.py rows.csv

rows.csv holds the feature columns by name (others, such as a label, are ignored; an empty cell is a missing
value). Prints one CSV line per row: the predicted class and each class's probability.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

HERE = Path(__file__).resolve().parent
CONFIG = json.loads((HERE / "config.json").read_text())


$module

model = TabularMLP(CONFIG["in_features"], CONFIG["num_labels"], CONFIG["hidden_sizes"], dropout=0.0)
model.load_state_dict(load_file(HERE / "model.safetensors"))
model.eval()

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in CONFIG["feature_names"]] for r in rows],
             dtype=np.float32)
with torch.no_grad():
    probs = torch.softmax(model(torch.as_tensor(x))["logits"].float(), dim=-1).numpy()

labels = CONFIG["label_names"]
out = csv.writer(sys.stdout)
out.writerow(["prediction", *(f"p_{name}" for name in labels)])
for p in probs:
    out.writerow([labels[int(p.argmax())], *(f"{v:.7f}" for v in p)])
'''

PREDICT_IMAGE = '''"""Predict with the exported EfficientNet-Lite0, without the workbench:

    python model/predict.py image1.png image2.jpg ...

Prints one CSV line per image: the file, the predicted class and each class's probability.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image
from safetensors.torch import load_file
from torch import nn

HERE = Path(__file__).resolve().parent
CONFIG = json.loads((HERE / "config.json").read_text())
SIZE = CONFIG["image_size"]


$module

model = ImageClassifier(CONFIG["num_labels"], SIZE)
model.load_state_dict(load_file(HERE / "model.safetensors"))
model.eval()


def pixels(path):
    """RGB, resized to SIZE x SIZE, as (3, H, W) floats in [-1, 1], as in training."""
    image = Image.open(path).convert("RGB")
    if image.size != (SIZE, SIZE):
        image = image.resize((SIZE, SIZE), Image.BILINEAR)
    return torch.as_tensor(np.array(image, dtype=np.uint8), dtype=torch.float32).permute(2, 0, 1) / 127.5 - 1.0


files = sys.argv[1:]
with torch.no_grad():
    probs = torch.softmax(model(torch.stack([pixels(f) for f in files]))["logits"].float(), dim=-1).numpy()

labels = CONFIG["label_names"]
out = csv.writer(sys.stdout)
out.writerow(["file", "prediction", *(f"p_{name}" for name in labels)])
for f, p in zip(files, probs):
    out.writerow([f, labels[int(p.argmax())], *(f"{v:.7f}" for v in p)])
'''


def predict_script(kind: str) -> str:
    if kind == "tabular":
        return fill(PREDICT_TABULAR, module=TABULAR_MODULE.rstrip("\n"))
    return fill(PREDICT_IMAGE, module=IMAGE_MODULE.rstrip("\n"))
