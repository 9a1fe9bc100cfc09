import json

import pytest

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


def test_plan_prints_the_estimates(capsys):
    assert main(["plan", "--dataset", "wine", "--model", "mlp", "--max-steps", "7"]) == 0
    out = capsys.readouterr().out
    assert "7 optimizer steps" in out and "estimated memory:" in out and "estimated training time:" in out
    assert main(["plan", "--dataset", "wine", "--model", "mlp", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["memory"]["total"] > 0 and plan["parameters"]["trainable"] > 0


def test_repeat_against_a_second_setting_gives_a_noise_verdict(capsys):
    common = ["--dataset", "wine", "--model", "mlp", "--max-steps", "5", "--no-save-checkpoints", "--seeds", "0,1"]
    assert main(["repeat", *common, "--against", "lr=0.05", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["A"]["runs"]) == len(report["B"]["runs"]) == 2
    assert report["verdict"]["winner"] in ("a", "b", None) and report["verdict"]["n_pairs"] == 2
    assert "A (as given)" in report["verdict"]["sentence"] and "95% CI" in report["verdict"]["sentence"]
    assert main(["repeat", *common, "--against", "lr=log:1e-3:1e-1"]) == 2
    assert "one value per option" in capsys.readouterr().err


def test_one_seed_has_no_spread(capsys):
    assert main(["repeat", "--dataset", "wine", "--model", "mlp", "--max-steps", "3", "--no-save-checkpoints",
                 "--seeds", "0"]) == 0
    assert "(one run: no spread)" in capsys.readouterr().out


def test_options_a_command_sets_itself_or_cannot_read_are_refused(capsys):
    assert main(["lr-find", "--dataset", "wine", "--model", "mlp", "--lr", "0.1"]) == 2
    assert "lr-find sets lr itself" in capsys.readouterr().err
    assert main(["quality", "--dataset", "wine", "--folds", "1"]) == 2
    assert "folds must be at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["repeat", "--seeds", "a,b"])
    assert "comma-separated whole numbers" in capsys.readouterr().err


def test_the_run_notes_and_diagnoses_reach_the_terminal(capsys):
    """A learning rate far too high: the live diagnosis must be printed, not only stored."""
    code = main(["train", "--dataset", "wine", "--model", "mlp", "--lr", "50", "--max-steps", "100",
                 "--no-save-checkpoints"])
    err = capsys.readouterr().err
    assert code == 0 and "note (step 0): auto:" in err
    assert "diagnosis (step" in err and ("diverging" in err or "exploding_gradient" in err)
