"""Malformed ONNX models that used to crash the importer (SIGFPE, SIGSEGV, an internal error) or silently
load zeros: each is exit 2 with one line naming the node or tensor and what is expected.

Needs $AIMC_BIN (skipped otherwise)."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

from helpers import aimc_bin, run_aimc

pytestmark = pytest.mark.skipif(aimc_bin() is None, reason="AIMC_BIN is unset or not executable")


def save(path, nodes, inits=()):
    g = h.make_graph(nodes, path.stem, [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 8, 8])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], initializer=list(inits))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), str(path))
    return path


def external(name, offset):
    t = h.make_tensor(name, T.FLOAT, [1], vals=[0.0])
    t.ClearField("float_data")
    t.data_location = T.EXTERNAL
    for k, v in (("location", "e.bin"), ("offset", offset), ("length", "4")):
        kv = t.external_data.add()
        kv.key, kv.value = k, v
    return t


def cases(tmp_path):
    w = numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
    a = numpy_helper.from_array(np.array([np.iinfo(np.int64).min], np.int64), "a")
    minus1 = numpy_helper.from_array(np.array([-1], np.int64), "b")
    big = T()
    big.name, big.data_type = "big", T.FLOAT
    big.dims.extend([1 << 31, 1 << 31, 4])
    big.raw_data = b"\0" * 16
    (tmp_path / "e.bin").write_bytes(b"\0" * 64)
    return [
        (save(tmp_path / "conv_same_stride0.onnx",
              [h.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER", strides=[0, 0])], [w]),
         ["(Conv)", "strides [0, 0]", "expected values in 1.."]),
        (save(tmp_path / "conv_negative_pads.onnx", [h.make_node("Conv", ["x", "w"], ["y"], pads=[-1, -1, -1, -1])], [w]),
         ["(Conv)", "pads", "expected values in 0.."]),
        (save(tmp_path / "pool_same_stride0.onnx",
              [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], auto_pad="SAME_LOWER", strides=[0, 1])]),
         ["(MaxPool)", "strides [0, 1]"]),
        (save(tmp_path / "fold_div_overflow.onnx",
              [h.make_node("Div", ["a", "b"], ["q"]), h.make_node("Reshape", ["x", "q"], ["y"])], [a, minus1]),
         ["(Div)", "overflows 64 bits"]),
        (save(tmp_path / "huge_initializer.onnx", [h.make_node("Add", ["x", "big"], ["y"])], [big]),
         ["tensor 'big'", "2^34 elements"]),
        (save(tmp_path / "ext_offset_huge.onnx", [h.make_node("Add", ["x", "e"], ["y"])], [external("e", str(2 ** 63 - 8))]),
         ["tensor 'e'", "truncated or mis-sized"]),
        (save(tmp_path / "ext_offset_text.onnx", [h.make_node("Add", ["x", "e"], ["y"])], [external("e", "abc")]),
         ["tensor 'e'", "offset 'abc' is not a non-negative integer"]),
        # Found by fuzz_onnx: a folded constant of 2^60 elements reached the allocator.
        (save(tmp_path / "fold_huge_constant.onnx",
              [h.make_node("ConstantOfShape", ["s"], ["c"]), h.make_node("Add", ["x", "c"], ["y"])],
              [numpy_helper.from_array(np.array([1 << 20] * 3, np.int64), "s")]),
         ["(ConstantOfShape)", "constant of shape [1048576, 1048576, 1048576]", "at most 67108864 elements are folded"]),
        (big_batch(tmp_path / "static_batch_2_40.onnx"),
         ["value 'x' has shape [1099511627776, 4]", "this machine's memory"]),
        # Found by tests/fuzz/bad_inputs.py: an op given an output it does not have, read by a later node (a
        # value that was never computed: an internal error in the constant folder).
        (save(tmp_path / "extra_output.onnx",
              [h.make_node("Softmax", ["x"], ["s", "extra"]), h.make_node("Relu", ["extra"], ["y"])]),
         ["(Relu)", "input 'extra' is not produced by any earlier node"]),
        # Found by hand (2026-12-07): a pad of 10^9 passed the import's check (24 GB, under this machine's memory)
        # and `aimc forward` was killed for its memory; an edge pad that large hung building its copies.
        (save(tmp_path / "huge_constant_pad.onnx", [h.make_node("Pad", ["x", "p"], ["y"])],
              [numpy_helper.from_array(np.array([0, 0, 0, 10**9, 0, 0, 0, 1], np.int64), "p")]),
         ["value 'y' has shape [1, 1, 8, 1000000009]", "half of this machine's memory"]),
        (save(tmp_path / "huge_edge_pad.onnx", [h.make_node("Pad", ["x", "p"], ["y"], mode="edge")],
              [numpy_helper.from_array(np.array([0, 0, 0, 10**9, 0, 0, 0, 1], np.int64), "p")]),
         ["(Pad)", "pads 1000000000 and 1 along axis 3: expected at most 16777216"]),
        # Found by fuzz_onnx's structure-aware mutator: an op without its inputs (a protobuf CHECK surfaced as an
        # internal error).
        (save(tmp_path / "clip_without_inputs.onnx", [h.make_node("Clip", [], ["c"]), h.make_node("Add", ["x", "c"], ["y"])]),
         ["(Clip)", "has 0 input(s); expected at least 1"]),
    ]


def big_batch(path):
    """A static batch of 2^40: oneDNN divided by zero planning its Gemm (SIGFPE)."""
    g = h.make_graph([h.make_node("Gemm", ["x", "w"], ["y"], transB=1)], path.stem,
                     [h.make_tensor_value_info("x", T.FLOAT, [1 << 40, 4])], [h.make_tensor_value_info("y", T.FLOAT, None)],
                     initializer=[numpy_helper.from_array(np.ones((3, 4), np.float32), "w")])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), str(path))
    return path


def test_nan_and_inf_weights(tmp_path):
    """A NaN initializer is refused at import (it made every output NaN, scored as class 0); an infinite
    weight of a crossbar layer is refused at compile (±inf elsewhere, e.g. an attention mask, is allowed)."""
    nan_w = numpy_helper.from_array(np.full((1, 1, 3, 3), np.nan, np.float32), "w")
    inf_w = numpy_helper.from_array(np.array([[[[1, 1, 1], [1, np.inf, 1], [1, 1, 1]]]], np.float32), "w")
    nan_model = save(tmp_path / "nan.onnx", [h.make_node("Conv", ["x", "w"], ["y"])], [nan_w])
    inf_model = save(tmp_path / "inf.onnx", [h.make_node("Conv", ["x", "w"], ["y"])], [inf_w])
    r = run_aimc("graph", "--model", nan_model)
    assert r.returncode == 2 and "initializer 'w' holds NaN" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert run_aimc("graph", "--model", inf_model).returncode == 0
    r = run_aimc("compile", "--model", inf_model, "--chip", "hermes")
    assert r.returncode == 2 and "non-finite weight" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_malformed_models_are_one_line_errors(tmp_path):
    for model, fragments in cases(tmp_path):
        for cmd in (("graph", "--model", model), ("compile", "--model", model, "--chip", "hermes")):
            r = run_aimc(*cmd, timeout=60)
            lines = r.stderr.strip().splitlines()
            assert r.returncode == 2 and len(lines) == 1, (model.name, cmd[0], r.returncode, r.stderr)
            assert str(model) in lines[0], lines[0]
            for f in fragments:
                assert f in lines[0], (model.name, lines[0])
