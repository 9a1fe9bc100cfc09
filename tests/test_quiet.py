"""Library chatter is off after `import workbench`, on again with WORKBENCH_VERBOSE=1 or the CLI's --verbose. Each
check runs in a fresh interpreter: the switches are process-wide."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, os, sys
{before}
import workbench
{after}
import datasets, transformers
from huggingface_hub.utils import are_progress_bars_disabled
print(json.dumps({{"hf_verbosity": transformers.utils.logging.get_verbosity(),
                  "hf_bars": transformers.utils.logging.is_progress_bar_enabled(),
                  "ds_bars": datasets.utils.logging.is_progress_bar_enabled(),
                  "hub_bars": not are_progress_bars_disabled()}}))
"""


def probe(before: str = "", after: str = "", **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("TRANSFORMERS_VERBOSITY", "WORKBENCH_VERBOSE",
                                                              "HF_DATASETS_DISABLE_PROGRESS_BARS",
                                                              "HF_HUB_DISABLE_PROGRESS_BARS")}
    out = subprocess.run([sys.executable, "-c", PROBE.format(before=before, after=after)], cwd=ROOT,
                         env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_workbench_quiets_the_libraries_imported_after_it():
    import logging
    assert probe() == {"hf_verbosity": logging.ERROR, "hf_bars": False, "ds_bars": False, "hub_bars": False}


def test_and_those_a_notebook_imported_before_it():
    import logging
    assert probe(before="import transformers, datasets") == {"hf_verbosity": logging.ERROR, "hf_bars": False,
                                                              "ds_bars": False, "hub_bars": False}


def test_verbose_keeps_the_libraries_defaults():
    import logging
    loud = {"hf_verbosity": logging.WARNING, "hf_bars": True, "ds_bars": True, "hub_bars": True}
    assert probe(WORKBENCH_VERBOSE="1") == loud
    assert probe(after="from workbench.core.quiet import loud_third_party; loud_third_party()") == loud


def test_a_users_own_choice_is_left_alone():
    import logging
    assert probe(TRANSFORMERS_VERBOSITY="info")["hf_verbosity"] == logging.INFO


def test_the_cli_has_a_verbose_switch():
    from workbench.cli import build_parser
    assert build_parser().parse_args(["--verbose", "runs"]).verbose
