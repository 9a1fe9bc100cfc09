"""Training lessons: learning rates and schedules, optimizers, losses, batch size, speed, unstable gradients,
initialisation, hyper-parameter search, overfitting and the common challenges, each answered by measurements.

Text lessons fine-tune MiniLM on Rotten Tomatoes; lessons whose point does not need text use the MLP on the
scikit-learn digits, so their repeats fit the budget. The lessons live in four small modules by theme; what they
measure beside the runner is in `training_probes`.
"""
from __future__ import annotations

from .training_optim import TRAIN_1, TRAIN_2, TRAIN_3
from .training_practice import TRAIN_8, TRAIN_9, TRAIN_10
from .training_speed import TRAIN_4, TRAIN_5
from .training_stability import TRAIN_6, TRAIN_7

LESSONS = [TRAIN_1, TRAIN_2, TRAIN_3, TRAIN_4, TRAIN_5, TRAIN_6, TRAIN_7, TRAIN_8, TRAIN_9, TRAIN_10]
