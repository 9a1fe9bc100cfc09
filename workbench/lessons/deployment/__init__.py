"""Deployment and lifecycle lessons: compressing and exporting a model (deploy.1) in `compression`, updating it with
new data (deploy.2) in `updating`, attacking it (deploy.3) in `security`.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .compression import DEPLOY_1
from .security import DEPLOY_3
from .updating import DEPLOY_2

LESSONS = [DEPLOY_1, DEPLOY_2, DEPLOY_3]
