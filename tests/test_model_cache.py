"""A model trained in this process is not read back from its file to suggest ('qualcode run'
trains, then suggests), and what is kept never outlives its file, model or codebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualcode.coding import learn, modelfile
from qualcode.errors import QualcodeError
from qualcode.project import Project
from tests.test_loose_ends_files import _trained


def _fresh_load(project: Project) -> dict[str, object]:
    modelfile._KEPT.clear()
    return learn.load_model(project)[1]


def test_suggest_after_train_uses_the_model_in_memory_and_predicts_as_the_file(
    project: Project, tmp_path: Path
) -> None:
    project = _trained(project, tmp_path)
    learn.train(project)
    _, kept = learn.load_model(project)
    _, again = learn.load_model(project)
    assert kept is again  # not rebuilt from the file
    chosen = learn.units(project)
    from_file = _fresh_load(project)
    assert from_file is not kept
    assert {k: v for k, v in from_file.items() if k != "model"} == {
        k: v for k, v in kept.items() if k != "model"
    }
    assert np.array_equal(
        learn._predict(project, kept, chosen), learn._predict(project, from_file, chosen)
    )


def test_a_new_model_replaces_the_kept_one(project: Project, tmp_path: Path) -> None:
    project = _trained(project, tmp_path)
    first = learn.train(project)
    old = learn.load_model(project)[1]
    second = learn.train(project, C=0.05)  # other settings: another model, another file
    assert second.model != first.model
    name, new = learn.load_model(project)
    assert name == second.model and new is not old
    assert new["model"].C == 0.05 and len(modelfile._KEPT) == 1


def test_a_changed_file_or_codebook_is_refused_even_when_kept(
    project: Project, tmp_path: Path
) -> None:
    project = _trained(project, tmp_path)
    report = learn.train(project)
    path = Path(report.path)
    blob = path.read_bytes()
    path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(QualcodeError, match="changed since training"):
        learn.load_model(project)
    path.write_bytes(blob)
    learn.load_model(project)  # the same bytes again: fine
    book = project.root / "codebooks" / "toy.yaml"
    book.write_text(book.read_text().replace("keywords: [ppn]", "keywords: [ppn, officer]"))
    with pytest.raises(QualcodeError, match="not the codebook the model was trained with"):
        learn.suggest(project)
