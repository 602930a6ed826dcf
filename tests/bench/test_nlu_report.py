"""The NLU report reads Rasa's intent report and says which figures it shows."""

from __future__ import annotations

import json

import pytest

from bench import nlu_report

REPORT = {
    "ask_backups": {"precision": 1.0, "recall": 0.5, "f1-score": 0.667, "support": 4,
                    "confused_with": {"ask_malware": 2}},
    "ask_malware": {"precision": 0.6, "recall": 1.0, "f1-score": 0.75, "support": 3},
    "out_of_scope": {"precision": 1.0, "recall": 0.8, "f1-score": 0.889, "support": 5,
                     "confused_with": {"greet": 1}},
    "greet": {"precision": 0.5, "recall": 1.0, "f1-score": 0.667, "support": 1},
    "accuracy": 0.77,
    "macro avg": {"precision": 0.8, "recall": 0.8, "f1-score": 0.743, "support": 13},
    "weighted avg": {"precision": 0.8, "recall": 0.77, "f1-score": 0.77, "support": 13},
}


def test_summary_takes_rasas_figures_and_only_topic_confusions():
    summary = nlu_report.summarise(REPORT)
    assert summary["macro_f1"] == 0.743
    assert summary["oos_recall"] == 0.8
    assert (summary["examples"], summary["intents"]) == (13, 4)
    assert summary["topic_confusions"] == [("ask_backups", "ask_malware", 2)]


def test_headings_say_which_data_the_figures_come_from():
    summary = nlu_report.summarise(REPORT)
    held_out = nlu_report.markdown(summary)
    assert "## NLU on the held-out split" in held_out
    assert "held-out examples / intents | 13 / 4" in held_out
    cross = nlu_report.markdown(summary, cross_validation=True)
    assert "cross-validation of the training data" in cross
    assert "training examples / intents | 13 / 4" in cross
    assert "held-out" not in cross.replace("not the held-out split's", "")


def test_check_fails_below_the_floor_and_cv_figures_are_never_written(tmp_path, capsys):
    (tmp_path / "intent_report.json").write_text(json.dumps(REPORT))
    assert nlu_report.main(["--results", str(tmp_path), "--check", "--min-macro-f1", "0.7",
                            "--min-oos-recall", "0.5"]) == 0
    assert nlu_report.main(["--results", str(tmp_path), "--check", "--min-macro-f1", "0.8",
                            "--min-oos-recall", "0.5"]) == 1
    assert "macro-F1 0.743 < 0.8" in capsys.readouterr().err
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("")
    with pytest.raises(SystemExit):
        nlu_report.main(["--results", str(tmp_path), "--cross-validation", "--write", str(target)])
    assert target.read_text() == ""
