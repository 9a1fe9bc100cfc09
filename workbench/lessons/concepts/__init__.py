"""Concept lessons: what pre-training gives (concept.1) and fine-tuning against training from scratch (concept.2) in
`pretraining`; general against domain models, measured as transfer between two review genres, and how pre-training
and fine-tuning combine (concept.3-4) in `domains`; fine-tuning strategies (concept.5) in `strategies`; choosing a
pretrained model, a framework and an architecture (concept.6-7) in `choosing`. Shared helpers are in `common`.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .choosing import CONCEPT_6, CONCEPT_7
from .domains import CONCEPT_3, CONCEPT_4
from .pretraining import CONCEPT_1, CONCEPT_2
from .strategies import CONCEPT_5

LESSONS = [CONCEPT_1, CONCEPT_2, CONCEPT_3, CONCEPT_4, CONCEPT_5, CONCEPT_6, CONCEPT_7]
