"""Training lessons: learning rates and schedules (train.1) in `learning_rate`; optimizers and losses (train.2-3) in
`optimizers`; batch size and speed (train.4-5) in `speed`; unstable gradients and initialisation (train.6-7) in
`stability`; hyper-parameter search (train.8) in `search`; overfitting and the common challenges (train.9-10) in
`overfitting`. `probes` holds the measurements several of them make beside the runner, `common` shared pieces.

Text lessons fine-tune MiniLM on Rotten Tomatoes; lessons whose point does not need text use the MLP on the
scikit-learn digits, so their repeats fit the budget.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .learning_rate import TRAIN_1
from .optimizers import TRAIN_2, TRAIN_3
from .overfitting import TRAIN_9, TRAIN_10
from .search import TRAIN_8
from .speed import TRAIN_4, TRAIN_5
from .stability import TRAIN_6, TRAIN_7

LESSONS = [TRAIN_1, TRAIN_2, TRAIN_3, TRAIN_4, TRAIN_5, TRAIN_6, TRAIN_7, TRAIN_8, TRAIN_9, TRAIN_10]
