"""The scene model and the scene timeline's helpers (used by ``verify/analyzers/scenes.py``).

- ``pth.py``       reads torch's legacy ``.pth`` weights without torch (restricted unpickler)
- ``effnet.py``    builds EfficientNet-Lite0 as an ONNX graph from those weights
- ``model.py``     the ``SceneModel`` interface, the bundled model + head, user ONNX models, the cache
- ``cues.py``      colour and structure cues fed to the head beside the embedding
- ``timeline.py``  per-sample probabilities -> smoothed segments snapped to shots
- ``motion.py``    camera motion of a stretch: static, panning, moving
- ``head.npz``     the trained head (``tools/train_scene_head.py``)
"""
