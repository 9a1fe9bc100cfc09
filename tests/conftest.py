"""Shared fixtures: an isolated WORKBENCH_HOME per test session and tiny real models built in-process."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")        # nothing in the tests may reach a hub
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def workbench_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("workbench_home")
    os.environ["WORKBENCH_HOME"] = str(home)
    return home


@pytest.fixture
def store(tmp_path):
    from workbench.store import RunStore
    return RunStore(tmp_path / "runs")


@pytest.fixture
def runner(store):
    from workbench.runner import Runner
    return Runner(store)


@pytest.fixture(scope="session")
def tiny_text_model(tmp_path_factory):
    """A 2-layer, 32-wide BERT with MiniLM's tokenizer, saved like a hub model (tests the hub-name code path)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from workbench.models import minilm_path

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def tiny_tabular(**options):
    """Settings for a run that trains in about a second: the MLP on the wine data."""
    from workbench import RunConfig
    base = dict(dataset="wine", model="mlp", max_steps=6, batch_size=16, log_every=1, eval_every=3,
                save_checkpoints=False, hidden_sizes=(16,))
    return RunConfig.from_flat(**{**base, **options})
