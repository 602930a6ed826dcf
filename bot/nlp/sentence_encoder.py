"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy.

Why: the intent classifier otherwise sees only words and character n-grams, so two
questions that mean the same thing in different words ("staff leave and keep their
logins" and "removing access for leavers") look unrelated. A small pretrained sentence
encoder adds that meaning. PyTorch cannot be installed sensibly here (PyPI serves a
multi-GB CUDA build for Python 3.10), and the model is a six-layer BERT, so its forward
pass is a handful of matrix products: NumPy does it in a few milliseconds per message.

The weights and tokenizer are the published ``sentence-transformers/all-MiniLM-L6-v2``
files (``bot.nlp.encoder_assets`` fetches and checks them). The output matches
sentence-transformers: mean of the last hidden states over real tokens, then L2-normalised.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

FloatArray = NDArray[np.float32]

#: Word pieces read per text. sentence-transformers allows 256; a chat message over the
#: channel's 1,000-character limit is refused before it gets here, and the cost of a text
#: grows with its length, so the first 128 (about 500 characters) carry the meaning.
MAX_TOKENS = 128


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights, transposed once so that ``x @ w`` needs no copy."""

    qkv_w: FloatArray
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    norm1_g: FloatArray
    norm1_b: FloatArray
    up_w: FloatArray
    up_b: FloatArray
    down_w: FloatArray
    down_b: FloatArray
    norm2_g: FloatArray
    norm2_b: FloatArray


class SentenceEncoder:
    """Turns texts into 384-dimensional unit vectors; similar meanings give similar vectors."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.dimension: int = int(config["hidden_size"])
        self._heads: int = int(config["num_attention_heads"])
        self._eps: float = float(config["layer_norm_eps"])
        weights = load_file(str(model_dir / "model.safetensors"))

        def get(name: str) -> FloatArray:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        self._word = get("embeddings.word_embeddings.weight")
        self._position = get("embeddings.position_embeddings.weight")
        self._token_type = get("embeddings.token_type_embeddings.weight")[0]
        self._embed_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self._layers = [_load_layer(get, f"encoder.layer.{i}.")
                        for i in range(int(config["num_hidden_layers"]))]
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)

    @property
    def vocabulary_size(self) -> int:
        return int(self._word.shape[0])

    def token_id(self, token: str) -> int:
        """The id of a word piece such as "[CLS]"; KeyError if the vocabulary lacks it."""
        found = self._tokenizer.token_to_id(token)
        if found is None:
            raise KeyError(token)
        return int(found)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> FloatArray:
        """One unit vector per text, in the order given.

        Texts are batched by length, so training on thousands of examples stays quick
        while each message at prediction time costs one short forward pass.
        """
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return result
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda index: len(ids[index]))
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            result[batch] = self.forward_ids([ids[index] for index in batch])
        return result

    def forward_ids(self, batch_ids: list[list[int]]) -> FloatArray:
        """Unit vectors for already-tokenised texts (word-piece ids with [CLS] and [SEP])."""
        length = max(len(ids) for ids in batch_ids)
        tokens = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, ids in enumerate(batch_ids):
            tokens[row, :len(ids)] = ids
            mask[row, :len(ids)] = 1.0
        x = self._word[tokens] + self._position[:length] + self._token_type
        x = self._norm(x, *self._embed_norm)
        # Padding must get no attention: a large negative score before the softmax.
        key_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self._layers:
            x = self._transformer_layer(x, key_bias, layer)
        summed = (x * mask[:, :, None]).sum(axis=1)
        mean = summed / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        unit: FloatArray = (mean / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _transformer_layer(self, x: FloatArray, key_bias: FloatArray, layer: _Layer) -> FloatArray:
        batch, length, hidden = x.shape
        head_size = hidden // self._heads
        qkv = x @ layer.qkv_w + layer.qkv_b
        qkv = qkv.reshape(batch, length, 3, self._heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size)) + key_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        attended = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = self._norm(attended @ layer.out_w + layer.out_b + x, layer.norm1_g, layer.norm1_b)
        up = x @ layer.up_w + layer.up_b
        up = 0.5 * up * (1.0 + erf(up / np.float32(np.sqrt(2.0))))  # exact GELU, as BERT uses
        return self._norm(up @ layer.down_w + layer.down_b + x, layer.norm2_g, layer.norm2_b)

    def _norm(self, x: FloatArray, gain: FloatArray, bias: FloatArray) -> FloatArray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normed: FloatArray = (x - mean) / np.sqrt(variance + self._eps) * gain + bias
        return normed


def _load_layer(get: Callable[[str], FloatArray], prefix: str) -> _Layer:
    """Layer ``prefix``'s weights; query, key and value become one matrix product."""

    def transposed(name: str) -> FloatArray:
        return np.ascontiguousarray(get(prefix + name).T)

    attention = [prefix + "attention.self." + part for part in ("query", "key", "value")]
    return _Layer(
        qkv_w=np.ascontiguousarray(np.concatenate([get(p + ".weight").T for p in attention], axis=1)),
        qkv_b=np.concatenate([get(p + ".bias") for p in attention]),
        out_w=transposed("attention.output.dense.weight"),
        out_b=get(prefix + "attention.output.dense.bias"),
        norm1_g=get(prefix + "attention.output.LayerNorm.weight"),
        norm1_b=get(prefix + "attention.output.LayerNorm.bias"),
        up_w=transposed("intermediate.dense.weight"),
        up_b=get(prefix + "intermediate.dense.bias"),
        down_w=transposed("output.dense.weight"),
        down_b=get(prefix + "output.dense.bias"),
        norm2_g=get(prefix + "output.LayerNorm.weight"),
        norm2_b=get(prefix + "output.LayerNorm.bias"),
    )
