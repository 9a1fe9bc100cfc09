"""Runs that leave the workbench: show the code, take the model with you.

`equivalent_code(config)` gives the CLI command and the Python call that start the same run (only the options that
differ from the defaults). `export_run(run_id, folder)` writes a finished run as a folder that needs no workbench:

    train.py     the run's recipe as a standalone script (torch, transformers, datasets, peft, scikit-learn)
    data/        the run's own rows: data.csv with a `split` column (train / val / test), images beside it
    model/       the trained model: a Hugging Face folder for text, safetensors + predict.py for images and tables
    README.md    a model card: data, settings, metrics with their spread, limits
    config.json, metrics.json

The data is exported already split, in the run's order, rather than re-split by the script: that reproduces the
run's rows exactly whatever produced them (stratified splits, subsampling, cross-validation folds, the deliberate
perturbations), where re-implementing the split would only match while scikit-learn's shuffling stays the same.
Settings the script cannot express cleanly raise `NotExportable` instead of producing a wrong script.

Modules: `command` (the CLI line and Python call), `folder` (the exported folder and its checks), `train_script` and
`train_sections` (`train.py`), `predict_script` (`model/predict.py`), `model_card` (`README.md`), `template` (writing
Python source). Built on the core (run folders, splits, models); the CLI, the Train and Runs pages and the LLM page's
download use it.
"""
from __future__ import annotations

from .command import changed_options, equivalent_code
from .folder import NotExportable, check_exportable, export_problem, export_run, export_zip, zip_folder

__all__ = ["changed_options", "equivalent_code", "NotExportable", "check_exportable", "export_problem", "export_run",
           "export_zip", "zip_folder"]
