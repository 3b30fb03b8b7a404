"""Checks of the op-model fixtures themselves (no aimc needed): every ONNX graph, evaluated by the numpy
reference in onnx_ref.py, reproduces torch's outputs, and the cases cover every op and opset they must.

Run (from the repository root):  /usr/bin/python3 -m pytest tests/python/test_op_models.py
"""

import numpy as np
import onnx
import pytest

import onnx_ref
import op_models
from helpers import case_entry, close

# The ONNX ops the fixtures must contain (as torch 1.13 exports them, plus the onnx.helper cases).
REQUIRED_OPS = {
    "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Sign",
    "Erf", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
    "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Softmax", "LayerNormalization", "ReduceMean",
    "Pow", "Sqrt", "Identity", "Dropout", "Constant", "Shape", "Gather", "Slice", "Cast", "Range", "Pad",
    "ConstantOfShape", "LSTM", "GRU", "ReduceL1", "ReduceL2", "QuantizeLinear", "DequantizeLinear", "HardSigmoid", "HardSwish", "Softplus",
    "InstanceNormalization", "ConvTranspose", "Resize", "ReduceMax", "ReduceMin", "ArgMax", "ArgMin", "TopK", "Einsum",
    "Expand", "Where", "Equal", "Trilu", "PRelu", "Max", "Min", "LogSoftmax", "DepthToSpace", "SpaceToDepth",
    "Elu", "Selu", "Celu", "ThresholdedRelu", "LessOrEqual", "GreaterOrEqual", "Not", "Floor", "Ceil", "Round", "CumSum", "ReduceProd",
    "And", "Or", "Xor", "Upsample", "NonZero",
}
NAMES = list(op_models.CASES) + list(op_models.HELPER_CASES)


@pytest.mark.parametrize("name", NAMES)
def test_reference_matches_torch(op_fixtures, name):
    folder, manifest = op_fixtures
    entry = case_entry(manifest, name)
    inputs = [np.load(folder / i["file"]) for i in entry["inputs"]]
    model = onnx.load(str(folder / entry["model"]))
    if entry.get("export_one"):  # exported at batch 1: the ONNX graph itself runs one sample at a time
        axis = entry["batch_axis"]
        runs = [onnx_ref.run(model, [np.take(x, [b], axis=axis) for x in inputs]) for b in range(inputs[0].shape[axis])]
        outputs = [np.concatenate(parts, axis=axis) for parts in zip(*runs)]
    else:
        outputs = onnx_ref.run(model, inputs)
    assert len(outputs) == len(entry["outputs"])
    for got, out in zip(outputs, entry["outputs"]):
        want = np.load(folder / out["file"])
        assert got.shape == want.shape, out["file"]
        assert close(got, want), f"{out['file']}: max abs diff {np.abs(got - want).max()}"


def test_coverage(op_fixtures):
    _, manifest = op_fixtures
    ops = {op for c in manifest["cases"] for op in c["ops"]}
    assert REQUIRED_OPS <= ops, f"not covered: {sorted(REQUIRED_OPS - ops)}"
    assert {9, 10, 11, 13, 17} <= {c["opset"] for c in manifest["cases"]}
    assert {c["name"] for c in manifest["cases"]} == set(NAMES)
    assert {b["name"] for b in manifest["bad"]} == set(op_models.BAD_CASES)
