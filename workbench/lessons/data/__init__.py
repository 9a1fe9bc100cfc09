"""Data lessons: how much data and how clean, and preprocessing (data.1-2) in `preparation`; class imbalance and noisy
labels (data.3-4) in `labels`; long texts (data.5) in `long_text`; sparse features (data.6) in `sparse`; leakage
(data.7) in `leakage`; augmentation (data.8) in `augmentation`; privacy (data.9) in `privacy`. Several damage the
training data on purpose and measure the effect on clean splits. `common` holds the runs' base settings and the
names of the metrics they measure.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .augmentation import DATA_8
from .labels import DATA_3, DATA_4
from .leakage import DATA_7
from .long_text import DATA_5
from .preparation import DATA_1, DATA_2
from .privacy import DATA_9
from .sparse import DATA_6

LESSONS = [DATA_1, DATA_2, DATA_3, DATA_4, DATA_5, DATA_6, DATA_7, DATA_8, DATA_9]
