"""The real thing: MiniLM fine-tuned on Rotten Tomatoes must beat the majority class on held-out data."""
import pytest


@pytest.mark.slow
def test_minilm_beats_the_majority_class(runner):
    from workbench import RunConfig
    cfg = RunConfig.from_flat(dataset="rotten_tomatoes", model="minilm", max_train_samples=400, epochs=2,
                              batch_size=16, lr=1e-4, save_checkpoints=False)
    snap = runner.start(cfg).wait(600)
    assert snap["status"] == "finished", snap["error"]
    test = snap["metrics"]["test"]
    assert test["accuracy"] > test["majority_baseline"] + 0.1
