"""Application lessons: image classification with a pretrained CNN (app.1) in `images`; text classification on two
tasks (app.2) in `text`; embeddings and similarity search (app.3) in `embeddings`; extractive question answering
(app.4) in `question_answering`; sequence-to-sequence mechanics (app.5) in `translation`; recommendation from
language-model embeddings (app.6) in `recommend`; a tabular MLP (app.7) in `tabular`.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .embeddings import APP_3
from .images import APP_1
from .question_answering import APP_4
from .recommend import APP_6
from .tabular import APP_7
from .text import APP_2
from .translation import APP_5

LESSONS = [APP_1, APP_2, APP_3, APP_4, APP_5, APP_6, APP_7]
