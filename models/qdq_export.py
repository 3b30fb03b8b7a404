"""ONNX export of narrow-range fake quantisation (e.g. 4-bit) as QDQ nodes; used by the QAT models. Not a script.

torch 1.13's exporter accepts only the quant ranges (0, 255), (-128, 127) and (0, 127) for
fake_quantize_per_{tensor,channel}_affine. Importing this module registers (opset 13) symbolics that accept
any sub-range of int8/uint8 and emit

    QuantizeLinear -> [Clip(qmin, qmax) on the integer tensor] -> DequantizeLinear

(the Clip is left out for the full 8-bit ranges), which is what aimc's importer turns into one FakeQuant
node. Same code as tests/python/op_models.py (_fq_per_tensor, _fq_per_channel, _clip_int), copied here so
the model scripts do not import the test fixtures.
"""

import torch
from onnx import TensorProto
from torch.onnx import symbolic_helper


def _clip_int(g, q, qmin, qmax, dtype):
    info = torch.iinfo(dtype)
    if not (info.min <= qmin <= qmax <= info.max):
        raise ValueError(f"quant range ({qmin}, {qmax}) does not fit {dtype}")
    if (qmin, qmax) == (info.min, info.max):
        return q
    return g.op("Clip", q, g.op("Constant", value_t=torch.tensor(qmin, dtype=dtype)),
                g.op("Constant", value_t=torch.tensor(qmax, dtype=dtype)))


@symbolic_helper.parse_args("v", "f", "i", "i", "i")
def _fq_per_tensor(g, x, scale, zero_point, qmin, qmax):
    dtype = torch.int8 if qmin < 0 else torch.uint8
    s = g.op("Constant", value_t=torch.tensor(scale, dtype=torch.float32))
    z = g.op("Constant", value_t=torch.tensor(zero_point, dtype=dtype))
    return g.op("DequantizeLinear", _clip_int(g, g.op("QuantizeLinear", x, s, z), qmin, qmax, dtype), s, z)


@symbolic_helper.parse_args("v", "v", "v", "i", "i", "i")
def _fq_per_channel(g, x, scale, zero_point, axis, qmin, qmax):
    dtype = torch.int8 if qmin < 0 else torch.uint8
    z = g.op("Cast", zero_point, to_i=TensorProto.INT8 if qmin < 0 else TensorProto.UINT8)
    q = g.op("QuantizeLinear", x, scale, z, axis_i=axis)
    return g.op("DequantizeLinear", _clip_int(g, q, qmin, qmax, dtype), scale, z, axis_i=axis)


torch.onnx.register_custom_op_symbolic("aten::fake_quantize_per_tensor_affine", _fq_per_tensor, 13)
torch.onnx.register_custom_op_symbolic("aten::fake_quantize_per_channel_affine", _fq_per_channel, 13)
