import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.config import ConfigError, RunConfig, all_options


def test_import_is_light():
    code = "import sys, workbench; print(sorted(m for m in ('torch', 'streamlit', 'ipywidgets', 'transformers') if m in sys.modules))"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "[]"


def test_json_round_trip_and_flat_options():
    cfg = RunConfig.from_flat(dataset="sms_spam", lr=1e-4, strategy="lora", hidden_sizes=[32, 8], name="x")
    again = RunConfig.from_json(cfg.to_json())
    assert again == cfg
    assert again.model.hidden_sizes == (32, 8)
    assert cfg.replace(batch_size=4).train.batch_size == 4
    assert cfg.replace(batch_size=4).data.dataset == "sms_spam"


def test_every_option_has_help():
    assert all(f.metadata.get("help") for f in all_options())


@pytest.mark.parametrize("options, words", [
    ({"lr": 0}, "lr must be positive"),
    ({"lr": -1e-3}, "lr must be positive"),
    ({"batch_size": 0}, "batch_size must be positive"),
    ({"strategy": "magic"}, "strategy must be one of"),
    ({"val_fraction": 0.5, "test_fraction": 0.45}, "less than 10%"),
    ({"pretrained": False, "strategy": "frozen"}, "freezes random weights"),
])
def test_validate_rejects_settings_that_cannot_work(options, words):
    with pytest.raises(ConfigError, match=words):
        RunConfig.from_flat(**options).validate()


def test_unknown_option_is_named():
    with pytest.raises(ConfigError, match="Unknown option 'learning_rat'"):
        RunConfig.from_flat(learning_rat=1)


def test_option_kinds_drive_the_generated_forms():
    from workbench.core.config import option_kind
    kinds = {f.name: option_kind(f) for f in all_options()}
    assert kinds["hidden_sizes"] == ("ints", False) and kinds["max_steps"] == ("int", True)
    assert kinds["lr"] == ("float", True) and kinds["strategy"][0] == "choice"
    assert kinds["pretrained"] == ("bool", False) and kinds["text_column"] == ("str", True)
