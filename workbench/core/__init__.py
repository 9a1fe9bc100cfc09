"""The core: one fine-tuning run from settings to a folder on disk.

Settings (`config`), data (`datasets`, `uploads`, `inputs`, deliberate `perturb`ations and `augment`ation of the
training split), models and fine-tuning strategies (`models`, `pretrained`), the Trainer and its callbacks
(`training`, `callbacks`, live `diagnosis`, `budget`), the background runner and its events (`runner`, `events`,
`state`, `device_queue`, `devices`, `distributed`), run folders (`store`, `runs_table`), loading a finished model
(`predict`) and third-party logs kept `quiet`.

The core imports from `analysis` and `speed` only, and never a UI library: the app, notebooks, the CLI and the
lab are all clients of it.
"""
