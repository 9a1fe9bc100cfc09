import json

from workbench.cli import build_parser, config_from_args, main


def test_every_config_option_is_a_flag():
    args = build_parser().parse_args(["train", "--dataset", "wine", "--target", "label", "--lr", "0.01",
                                      "--no-pretrained", "--hidden-sizes", "8,4", "--strategy", "lora"])
    cfg = config_from_args(args)
    assert (cfg.data.dataset, cfg.data.label_column, cfg.train.lr) == ("wine", "label", 0.01)
    assert cfg.model.pretrained is False and cfg.model.hidden_sizes == (8, 4) and cfg.model.strategy == "lora"


def test_train_prints_a_json_summary(capsys):
    code = main(["train", "--dataset", "wine", "--model", "mlp", "--max-steps", "5", "--no-save-checkpoints",
                 "--json"])
    out = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(out)
    assert code == 0 and summary["status"] == "finished"
    assert {"run_id", "metrics", "train_seconds", "eval_seconds"} <= set(summary)
    assert 0 <= summary["metrics"]["accuracy"] <= 1
    main(["runs", "--json"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert summary["run_id"] in {r["run_id"] for r in rows}


def test_bad_settings_exit_2_with_a_message(capsys):
    assert main(["train", "--dataset", "wine", "--model", "mlp", "--lr", "-1"]) == 2
    assert "lr must be positive" in capsys.readouterr().err
    assert main(["train", "--dataset", "missing.csv"]) == 2
    assert "Unknown dataset" in capsys.readouterr().err


def test_datasets_lists_the_registry(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "rotten_tomatoes" in out and "mnist" in out


def test_every_command_prints_its_help():
    """argparse %-formats help texts, so a bare % in an option's help breaks --help (it did, for train)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, command in commands.items():
        text = command.format_help()
        assert text.startswith("usage: ") and name in text
    assert "10-13% faster" in commands["train"].format_help()
