"""`manage.py train_model` offers the options of `python -m ml.xmc train`, from one table."""
import argparse

import pytest
from django.core.management import call_command, load_command_class

from ml.models import TrainingRun
from ml.xmc.cli import add_train_options

pytestmark = pytest.mark.django_db


def _destinations(add_options) -> set[str]:
    parser = argparse.ArgumentParser()
    add_options(parser)
    return {action.dest for action in parser._actions} - {"help"}


def test_every_option_of_the_library_s_train_command_is_an_option_of_train_model():
    command = load_command_class("ml", "train_model")

    assert _destinations(add_train_options) <= _destinations(command.add_arguments)


def test_train_model_records_the_options_it_was_given_as_the_run_s_parameters(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"dropout": 0.2, "epochs": 9}')

    call_command("train_model", "--epochs", "3", "--layers", "2", "--no-label-masking", "--classifier-per", "leaf",
                 "--config", str(config), "--set", "threshold=0.4")

    run = TrainingRun.objects.get()
    assert {key: run.parameters[key] for key in ("epochs", "layers", "label_masking", "classifier_per", "dropout",
                                                 "threshold")} == {
        "epochs": 3, "layers": 2, "label_masking": False, "classifier_per": "leaf", "dropout": 0.2, "threshold": 0.4}
