"""A small numpy evaluator of ONNX graphs: an independent check that the op-model fixtures' .onnx files
compute what torch computed (there is no onnxruntime here). Not a script; used by test_op_models.py and
test_reference_models.py.

    outputs = onnx_ref.run(onnx.load("conv_basic.onnx"), [np.load("conv_basic.in0.npy")])

Covers exactly the ops and attribute forms the fixtures use (default domain, opsets 9-17): auto_pad
NOTSET, LSTM and GRU with layout 0, no activations/clip overrides. Anything else raises
NotImplementedError naming the node.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper
from scipy.special import erf

OPS = {}


def op(*names):
    def register(fn):
        for n in names:
            OPS[n] = fn
        return fn
    return register


def run(model, inputs):
    """Evaluate model's graph on inputs (graph input order); returns the graph outputs in order."""
    graph = model.graph
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    env = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    env.update(zip([i.name for i in graph.input if i.name not in env], inputs))
    for node in graph.node:
        if node.op_type not in OPS:
            raise NotImplementedError(f"{node.name}: op {node.op_type}")
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        args = [env[i] if i else None for i in node.input]
        out = OPS[node.op_type](args, attrs, opset, len(node.output))
        for name, value in zip(node.output, out if isinstance(out, (list, tuple)) else [out]):
            env[name] = value
    return [env[o.name] for o in graph.output]


def _np_dtype(onnx_type):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]


def _axes(args, attrs, opset, index, first_opset):
    """Axes of Squeeze/Unsqueeze/ReduceMean: an attribute before first_opset, then an input."""
    if opset < first_opset:
        return attrs.get("axes")
    return None if len(args) <= index or args[index] is None else [int(a) for a in args[index]]


# ---------------------------------------------------------------- elementwise
def _elementwise(fn):
    return lambda args, attrs, opset, n_out: fn(*args).astype(args[0].dtype)


_ELEMENTWISE = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Pow": np.power,
                "Relu": lambda x: np.maximum(x, 0), "Sigmoid": lambda x: 1 / (1 + np.exp(-x)), "Tanh": np.tanh,
                "Sign": np.sign, "Sqrt": np.sqrt, "Erf": erf, "Identity": lambda x: x, "Neg": np.negative,
                "Floor": np.floor, "Ceil": np.ceil, "Round": np.round}  # np.round: halves to even, as ONNX
for _name, _fn in _ELEMENTWISE.items():
    OPS[_name] = _elementwise(_fn)
for _name, _fn in {"Equal": np.equal, "Less": np.less, "Greater": np.greater, "Where": np.where,
                   "LessOrEqual": np.less_equal, "GreaterOrEqual": np.greater_equal, "Not": np.logical_not,
                   "And": np.logical_and, "Or": np.logical_or, "Xor": np.logical_xor}.items():
    OPS[_name] = lambda args, attrs, opset, n_out, fn=_fn: fn(*args)


def _softplus(x):
    return np.logaddexp(0, x.astype(np.float64)).astype(x.dtype)


@op("InstanceNormalization")
def _instance_norm(args, attrs, opset, n_out):
    x, scale, bias = args
    axes = tuple(range(2, x.ndim))
    xd = x.astype(np.float64)
    mean = xd.mean(axis=axes, keepdims=True)
    var = ((xd - mean) ** 2).mean(axis=axes, keepdims=True)
    c = (-1,) + (1,) * (x.ndim - 2)
    y = (xd - mean) / np.sqrt(var + attrs.get("epsilon", 1e-5)) * scale.reshape(c) + bias.reshape(c)
    return y.astype(x.dtype)


@op("HardSigmoid")
def _hard_sigmoid(args, attrs, opset, n_out):
    x = args[0]
    return np.clip(attrs.get("alpha", 0.2) * x + attrs.get("beta", 0.5), 0, 1).astype(x.dtype)


@op("HardSwish")
def _hard_swish(args, attrs, opset, n_out):
    x = args[0]
    return (x * np.clip(x / 6 + 0.5, 0, 1)).astype(x.dtype)


@op("Softplus")
def _softplus_op(args, attrs, opset, n_out):
    return _softplus(args[0])


@op("Mish")
def _mish(args, attrs, opset, n_out):
    x = args[0]
    return (x * np.tanh(_softplus(x))).astype(x.dtype)


@op("Div")
def _div(args, attrs, opset, n_out):
    a, b = args
    if np.issubdtype(a.dtype, np.integer):
        return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(a.dtype)
    return (a / b).astype(a.dtype)


@op("LeakyRelu")
def _leaky_relu(args, attrs, opset, n_out):
    x = args[0]
    return np.where(x >= 0, x, x * attrs.get("alpha", 0.01)).astype(x.dtype)


@op("PRelu")
def _prelu(args, attrs, opset, n_out):
    x, slope = args
    return np.where(x < 0, x * slope, x).astype(x.dtype)


def _pairwise(fn):
    def run(args, attrs, opset, n_out):
        out = args[0]
        for a in args[1:]:
            out = fn(out, a)
        return out.astype(args[0].dtype)
    return run


OPS["Max"] = _pairwise(np.maximum)
OPS["Min"] = _pairwise(np.minimum)


def _exp_linear(x, alpha, inner=1.0, scale=1.0):
    xd = x.astype(np.float64)
    return (scale * np.where(xd > 0, xd, alpha * (np.exp(xd / inner) - 1))).astype(x.dtype)


OPS["Elu"] = lambda args, attrs, opset, n_out: _exp_linear(args[0], attrs.get("alpha", 1.0))
OPS["Selu"] = lambda args, attrs, opset, n_out: _exp_linear(args[0], attrs.get("alpha", 1.6732632423543772),
                                                            scale=attrs.get("gamma", 1.0507009873554805))
OPS["Celu"] = lambda args, attrs, opset, n_out: _exp_linear(args[0], attrs.get("alpha", 1.0), inner=attrs.get("alpha", 1.0))
OPS["ThresholdedRelu"] = lambda args, attrs, opset, n_out: np.where(args[0] > attrs.get("alpha", 1.0), args[0],
                                                                    0).astype(args[0].dtype)


@op("CumSum")
def _cumsum(args, attrs, opset, n_out):
    x, axis = args[0], int(np.asarray(args[1]).reshape(-1)[0])
    y = np.flip(x, axis) if attrs.get("reverse", 0) else x
    sums = np.cumsum(y, axis=axis, dtype=x.dtype)
    if attrs.get("exclusive", 0):
        sums = sums - y
    return np.flip(sums, axis) if attrs.get("reverse", 0) else sums


@op("Clip")
def _clip(args, attrs, opset, n_out):
    x = args[0]
    lo = args[1] if len(args) > 1 and args[1] is not None else None
    hi = args[2] if len(args) > 2 and args[2] is not None else None
    if opset < 11:  # attributes min and max
        lo, hi = attrs.get("min"), attrs.get("max")
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x.astype(args[0].dtype)


@op("ScatterND")
def _scatter_nd(args, attrs, opset, n_out):
    data, indices, updates = args
    out = data.copy()
    for idx, upd in zip(indices.reshape(-1, indices.shape[-1]), updates.reshape(-1, *data.shape[indices.shape[-1]:])):
        out[tuple(idx)] = upd
    return out


@op("Mod")
def _mod(args, attrs, opset, n_out):
    return (np.fmod if attrs.get("fmod", 0) else np.mod)(*args).astype(args[0].dtype)


@op("Dropout")
def _dropout(args, attrs, opset, n_out):
    return [args[0], np.ones(args[0].shape, bool)][:n_out]


@op("Cast")
def _cast(args, attrs, opset, n_out):
    return args[0].astype(_np_dtype(attrs["to"]))


# ---------------------------------------------------------------- constants and shapes
@op("Constant")
def _constant(args, attrs, opset, n_out):
    if "value" not in attrs:
        raise NotImplementedError(f"Constant with {list(attrs)}")
    return numpy_helper.to_array(attrs["value"])


@op("Expand")
def _expand(args, attrs, opset, n_out):
    x, shape = args
    return x * np.ones([int(d) for d in shape], dtype=x.dtype)


@op("Trilu")
def _trilu(args, attrs, opset, n_out):
    k = int(args[1]) if len(args) > 1 else 0
    return np.triu(args[0], k) if attrs.get("upper", 1) else np.tril(args[0], k)


@op("ConstantOfShape")
def _constant_of_shape(args, attrs, opset, n_out):
    value = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
    return np.full([int(d) for d in args[0]], value.reshape(-1)[0], dtype=value.dtype)


@op("Shape")
def _shape(args, attrs, opset, n_out):
    return np.array(args[0].shape, np.int64)


@op("Range")
def _range(args, attrs, opset, n_out):
    start, limit, delta = args
    return np.arange(start, limit, delta, dtype=start.dtype)


@op("Gather")
def _gather(args, attrs, opset, n_out):
    return np.take(args[0], args[1], axis=attrs.get("axis", 0))


@op("Slice")
def _slice(args, attrs, opset, n_out):
    if opset < 10:  # attributes starts, ends, axes
        x, starts, ends = args[0], attrs["starts"], attrs["ends"]
        axes, steps = attrs.get("axes", range(len(starts))), [1] * len(starts)
    else:
        x, starts, ends = args[:3]
        axes = args[3] if len(args) > 3 and args[3] is not None else range(len(starts))
        steps = args[4] if len(args) > 4 and args[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a)] = slice(int(s), int(e), int(st))  # Python slicing clamps exactly as ONNX Slice does
    return x[tuple(index)]


@op("Concat")
def _concat(args, attrs, opset, n_out):
    return np.concatenate(args, axis=attrs["axis"])


@op("Reshape")
def _reshape(args, attrs, opset, n_out):
    x, shape = args
    shape = [x.shape[i] if d == 0 and not attrs.get("allowzero", 0) else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


@op("Flatten")
def _flatten(args, attrs, opset, n_out):
    x, axis = args[0], attrs.get("axis", 1) % max(args[0].ndim, 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


@op("Transpose")
def _transpose(args, attrs, opset, n_out):
    return np.transpose(args[0], attrs.get("perm"))


@op("Squeeze")
def _squeeze(args, attrs, opset, n_out):
    axes = _axes(args, attrs, opset, 1, 13)
    return np.squeeze(args[0], axis=None if axes is None else tuple(axes))


@op("Unsqueeze")
def _unsqueeze(args, attrs, opset, n_out):
    axes = _axes(args, attrs, opset, 1, 13)
    return np.expand_dims(args[0], tuple(a % (args[0].ndim + len(axes)) for a in axes))


@op("Split")
def _split(args, attrs, opset, n_out):
    x, axis = args[0], attrs.get("axis", 0)
    sizes = attrs.get("split") if opset < 13 else (list(args[1]) if len(args) > 1 and args[1] is not None else None)
    if sizes is None:
        sizes = [x.shape[axis] // n_out] * n_out
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


@op("Pad")
def _pad(args, attrs, opset, n_out):
    x, pads = args[0], [int(p) for p in (attrs["pads"] if opset < 11 else args[1])]
    mode = attrs.get("mode", b"constant").decode()
    if min(pads) < 0:
        raise NotImplementedError("Pad: only non-negative padding")
    n = x.ndim
    widths = [(pads[i], pads[i + n]) for i in range(n)]
    if mode == "constant":
        value = attrs.get("value", 0.0) if opset < 11 else (args[2] if len(args) > 2 and args[2] is not None else 0)
        return np.pad(x, widths, constant_values=value)
    if mode not in ("reflect", "edge"):
        raise NotImplementedError(f"Pad: mode {mode}")
    return np.pad(x, widths, mode=mode)


@op("DepthToSpace")
def _depth_to_space(args, attrs, opset, n_out):
    x, b = args[0], attrs["blocksize"]
    n, c, h, w = x.shape
    if attrs.get("mode", b"DCR") == b"DCR":
        t = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    else:
        t = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return t.reshape(n, c // (b * b), h * b, w * b)


@op("SpaceToDepth")
def _space_to_depth(args, attrs, opset, n_out):
    x, b = args[0], attrs["blocksize"]
    n, c, h, w = x.shape
    t = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
    return t.reshape(n, c * b * b, h // b, w // b)


@op("Resize", "Upsample")
def _resize(args, attrs, opset, n_out):
    """ONNX Resize (nearest, linear) by its definition: per output index the source coordinate of each axis,
    then the nearest element or the multilinear blend of the 2^rank corners around it (not axis by axis)."""
    x = args[0]
    if opset < 11:  # Resize-10 and Upsample-9: (X, scales), asymmetric coordinates, nearest rounding down
        args = [x, None, args[1], None]
        attrs = {"mode": attrs.get("mode", b"nearest"), "coordinate_transformation_mode": b"asymmetric",
                 "nearest_mode": b"floor"}
    scales = args[2] if len(args) > 2 and args[2] is not None and args[2].size else None
    sizes = args[3] if len(args) > 3 and args[3] is not None and args[3].size else None
    mode = attrs.get("mode", b"nearest").decode()
    coord = attrs.get("coordinate_transformation_mode", b"half_pixel").decode()
    nearest = attrs.get("nearest_mode", b"round_prefer_floor").decode()
    if sizes is not None:
        out = [int(v) for v in sizes]
        scales = [o / i for o, i in zip(out, x.shape)]
    else:
        out = [int(np.floor(i * s)) for i, s in zip(x.shape, scales)]
    taps = []
    for n_in, n_out, sc in zip(x.shape, out, scales):
        o = np.arange(n_out, dtype=np.float64)
        src = {"half_pixel": (o + 0.5) / sc - 0.5,
               "pytorch_half_pixel": (o + 0.5) / sc - 0.5 if n_out > 1 else 0 * o,
               "align_corners": o * (n_in - 1) / (n_out - 1) if n_out > 1 else 0 * o,
               "asymmetric": o / sc}[coord]
        if mode == "nearest":
            idx = {"round_prefer_floor": np.ceil(src - 0.5), "round_prefer_ceil": np.floor(src + 0.5),
                   "floor": np.floor(src), "ceil": np.ceil(src)}[nearest]
            taps.append([(np.clip(idx, 0, n_in - 1).astype(np.int64), np.ones(n_out))])
        elif mode == "linear":
            src = np.clip(src, 0, n_in - 1)
            lo = np.floor(src).astype(np.int64)
            w = src - lo
            taps.append([(lo, 1 - w), (np.minimum(lo + 1, n_in - 1), w)])
        else:
            raise NotImplementedError(f"Resize mode {mode}")
    y = np.zeros(out, np.float64)
    for corner in np.ndindex(*[len(t) for t in taps]):
        index = np.ix_(*[taps[a][c][0] for a, c in enumerate(corner)])
        weight = np.ones(out)
        for a, c in enumerate(corner):
            shape = [1] * len(out)
            shape[a] = out[a]
            weight = weight * taps[a][c][1].reshape(shape)
        y += weight * x[index]
    return y.astype(x.dtype)


# ---------------------------------------------------------------- linear algebra
@op("MatMul")
def _matmul(args, attrs, opset, n_out):
    return np.matmul(args[0], args[1])


@op("Einsum")
def _einsum(args, attrs, opset, n_out):
    return np.einsum(attrs["equation"].decode(), *[a.astype(np.float64) for a in args]).astype(args[0].dtype)


@op("Gemm")
def _gemm(args, attrs, opset, n_out):
    a = args[0].T if attrs.get("transA", 0) else args[0]
    b = args[1].T if attrs.get("transB", 0) else args[1]
    y = attrs.get("alpha", 1.0) * (a @ b)
    if len(args) > 2 and args[2] is not None:
        y = y + attrs.get("beta", 1.0) * args[2]
    return y.astype(args[0].dtype)


def _spatial_windows(x, kernel, strides, dilations, pads, fill):
    """Pad x (N, C, *spatial) and yield, per kernel offset, the strided view of every window's element."""
    nd = len(kernel)
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)], constant_values=fill)
    out = [(xp.shape[2 + i] - (kernel[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(nd)]
    for offset in np.ndindex(*kernel):
        idx = tuple(slice(o * d, o * d + (n - 1) * s + 1, s) for o, d, n, s in zip(offset, dilations, out, strides))
        yield offset, xp[(slice(None), slice(None)) + idx]


def _check_auto_pad(attrs):
    if attrs.get("auto_pad", b"NOTSET") != b"NOTSET":
        raise NotImplementedError("auto_pad")


@op("Conv")
def _conv(args, attrs, opset, n_out):
    _check_auto_pad(attrs)
    x, w = args[0], args[1]
    nd, group = w.ndim - 2, attrs.get("group", 1)
    kernel = list(w.shape[2:])
    strides, dil = attrs.get("strides", [1] * nd), attrs.get("dilations", [1] * nd)
    pads = attrs.get("pads", [0] * 2 * nd)
    cin_g, cout_g = x.shape[1] // group, w.shape[0] // group
    y = None
    for offset, win in _spatial_windows(x, kernel, strides, dil, pads, 0.0):
        for g in range(group):
            wk = w[(slice(g * cout_g, (g + 1) * cout_g), slice(None)) + offset]
            part = np.einsum("nc...,oc->no...", win[:, g * cin_g:(g + 1) * cin_g], wk)
            if y is None:
                y = np.zeros((x.shape[0], w.shape[0]) + part.shape[2:], np.float64)
            y[:, g * cout_g:(g + 1) * cout_g] += part
    if len(args) > 2 and args[2] is not None:
        y += args[2].reshape((1, -1) + (1,) * nd)
    return y.astype(x.dtype)


@op("ConvTranspose")
def _conv_transpose(args, attrs, opset, n_out):
    """By its definition (independent of aimc's lowering): every input element scatters its kernel-sized
    contribution to the output, at stride s and dilation d; then pads are cropped from the full output."""
    _check_auto_pad(attrs)
    if "output_shape" in attrs:
        raise NotImplementedError("output_shape")
    x, w = args[0], args[1]
    nd, group = w.ndim - 2, attrs.get("group", 1)
    kernel = list(w.shape[2:])
    strides, dil = attrs.get("strides", [1] * nd), attrs.get("dilations", [1] * nd)
    pads, out_pad = attrs.get("pads", [0] * 2 * nd), attrs.get("output_padding", [0] * nd)
    cin_g, cout_g = x.shape[1] // group, w.shape[1]
    full = [(x.shape[2 + i] - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 + out_pad[i] for i in range(nd)]
    y = np.zeros((x.shape[0], cout_g * group) + tuple(full), np.float64)
    for offset in np.ndindex(*kernel):
        idx = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                    for o, d, n, s in zip(offset, dil, x.shape[2:], strides))
        for g in range(group):
            wk = w[(slice(g * cin_g, (g + 1) * cin_g), slice(None)) + offset]
            y[(slice(None), slice(g * cout_g, (g + 1) * cout_g)) + idx] += np.einsum(
                "nc...,co->no...", x[:, g * cin_g:(g + 1) * cin_g].astype(np.float64), wk)
    y = y[(slice(None), slice(None)) + tuple(slice(pads[i], full[i] - pads[i + nd]) for i in range(nd))]
    if len(args) > 2 and args[2] is not None:
        y += args[2].reshape((1, -1) + (1,) * nd)
    return y.astype(x.dtype)


# ---------------------------------------------------------------- pooling and normalisation
def _pool(args, attrs, kind):
    _check_auto_pad(attrs)
    x = args[0]
    kernel = attrs["kernel_shape"]
    nd = len(kernel)
    strides, dil = attrs.get("strides", [1] * nd), attrs.get("dilations", [1] * nd)
    pads = list(attrs.get("pads", [0] * 2 * nd))
    extra = [0] * nd  # end padding beyond `pads` that ceil_mode's last window needs
    if attrs.get("ceil_mode", 0):
        for i in range(nd):
            size, span = x.shape[2 + i], (kernel[i] - 1) * dil[i] + 1
            n = -(-(size + pads[i] + pads[i + nd] - span) // strides[i]) + 1
            if (n - 1) * strides[i] >= size + pads[i]:  # a window may not start in the end padding
                n -= 1
            extra[i] = max(0, (n - 1) * strides[i] + span - (size + pads[i] + pads[i + nd]))
    full = pads[:nd] + [pads[nd + i] + extra[i] for i in range(nd)]
    if kind == "max":
        return np.max([w for _, w in _spatial_windows(x, kernel, strides, dil, full, -np.inf)], axis=0)
    total = sum(w for _, w in _spatial_windows(x.astype(np.float64), kernel, strides, dil, full, 0.0))
    ones = np.ones((1, 1) + x.shape[2:])
    if attrs.get("count_include_pad", 0):  # count the explicit padding, not the ceil_mode extension
        ones = np.pad(ones, [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)], constant_values=1)
        count = sum(w for _, w in _spatial_windows(ones, kernel, strides, dil, [0] * nd + extra, 0.0))
    else:
        count = sum(w for _, w in _spatial_windows(ones, kernel, strides, dil, full, 0.0))
    return (total / count).astype(x.dtype)


OPS["MaxPool"] = lambda args, attrs, opset, n_out: _pool(args, attrs, "max")
OPS["AveragePool"] = lambda args, attrs, opset, n_out: _pool(args, attrs, "avg")


@op("GlobalAveragePool")
def _global_avg_pool(args, attrs, opset, n_out):
    return args[0].mean(axis=tuple(range(2, args[0].ndim)), keepdims=True, dtype=np.float64).astype(args[0].dtype)


@op("ReduceMean")
def _reduce_mean(args, attrs, opset, n_out):
    axes = _axes(args, attrs, opset, 1, 18)
    return args[0].mean(axis=None if axes is None else tuple(axes), keepdims=bool(attrs.get("keepdims", 1)))


def _reduce_by(fn):
    def run(args, attrs, opset, n_out):
        axes = _axes(args, attrs, opset, 1, 18)
        return fn(args[0], axis=None if axes is None else tuple(axes), keepdims=bool(attrs.get("keepdims", 1)))
    return run


OPS["ReduceMax"], OPS["ReduceMin"] = _reduce_by(np.max), _reduce_by(np.min)
OPS["ReduceL1"] = _reduce_by(lambda x, **kw: np.abs(x).sum(**kw))
OPS["ReduceL2"] = _reduce_by(lambda x, **kw: np.sqrt((x * x).sum(**kw)))
OPS["ReduceSumSquare"] = _reduce_by(lambda x, **kw: (x * x).sum(**kw))
OPS["ReduceProd"] = _reduce_by(np.prod)


@op("ReduceSum")
def _reduce_sum(args, attrs, opset, n_out):
    axes = _axes(args, attrs, opset, 1, 13)
    return args[0].sum(axis=None if axes is None else tuple(axes), keepdims=bool(attrs.get("keepdims", 1)))


def _arg_by(fn):
    def run(args, attrs, opset, n_out):
        x, axis = args[0], attrs.get("axis", 0)
        if attrs.get("select_last_index", 0):  # the last of equal values: search the reversed axis
            idx = x.shape[axis] - 1 - fn(np.flip(x, axis), axis=axis)
        else:
            idx = fn(x, axis=axis)
        idx = idx.astype(np.int64)
        return np.expand_dims(idx, axis) if attrs.get("keepdims", 1) else idx
    return run


OPS["ArgMax"], OPS["ArgMin"] = _arg_by(np.argmax), _arg_by(np.argmin)


@op("NonZero")
def _nonzero(args, attrs, opset, n_out):
    return np.array(np.nonzero(args[0]), dtype=np.int64).reshape(args[0].ndim, -1)


@op("TopK")
def _topk(args, attrs, opset, n_out):
    x, k = args[0], int(attrs["k"] if opset < 10 else args[1].reshape(-1)[0])
    axis = attrs.get("axis", -1)
    key = -x if attrs.get("largest", 1) else x
    order = np.argsort(key, axis=axis, kind="stable")  # ties: the lower index first
    idx = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return [np.take_along_axis(x, idx, axis=axis), idx]


def _softmax_family(along):
    """Softmax and LogSoftmax: `along(x, axis)`; before opset 13 on the input coerced to 2-D at axis (default 1)."""
    def run(args, attrs, opset, n_out):
        x = args[0]
        if opset < 13:
            axis = attrs.get("axis", 1) % x.ndim
            flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
            return run([flat], {"axis": -1}, 13, 1).reshape(x.shape)
        return along(x, attrs.get("axis", -1)).astype(x.dtype)
    return run


def _softmax_along(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_along(x, axis):
    d = x.astype(np.float64) - x.astype(np.float64).max(axis=axis, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=axis, keepdims=True))


OPS["Softmax"] = _softmax_family(_softmax_along)
OPS["LogSoftmax"] = _softmax_family(_log_softmax_along)


@op("BatchNormalization")
def _batch_norm(args, attrs, opset, n_out):
    x, scale, bias, mean, var = args[:5]
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + attrs.get("epsilon", 1e-5))
    return (y * scale.reshape(shape) + bias.reshape(shape)).astype(x.dtype)


@op("LayerNormalization")
def _layer_norm(args, attrs, opset, n_out):
    x, scale = args[0], args[1]
    axes = tuple(range(attrs.get("axis", -1) % x.ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True, dtype=np.float64)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + attrs.get("epsilon", 1e-5)) * scale
    if len(args) > 2 and args[2] is not None:
        y = y + args[2]
    return y.astype(x.dtype)


# ---------------------------------------------------------------- quantisation
def _per_axis(p, x, axis):
    if p.ndim == 0:
        return p
    shape = [1] * x.ndim
    shape[axis % x.ndim] = -1
    return p.reshape(shape)


@op("QuantizeLinear")
def _quantize(args, attrs, opset, n_out):
    x, scale = args[0], args[1]
    zp = args[2] if len(args) > 2 and args[2] is not None else np.uint8(0)
    axis = attrs.get("axis", 1)
    info = np.iinfo(zp.dtype)
    q = np.rint(x / _per_axis(scale, x, axis)) + _per_axis(zp, x, axis).astype(np.float64)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


@op("DequantizeLinear")
def _dequantize(args, attrs, opset, n_out):
    x, scale = args[0], args[1]
    zp = args[2] if len(args) > 2 and args[2] is not None else np.zeros((), x.dtype)
    axis = attrs.get("axis", 1)
    centred = x.astype(np.int32) - _per_axis(zp, x, axis).astype(np.int32)
    return (centred * _per_axis(scale, x, axis)).astype(np.float32)


# ---------------------------------------------------------------- LSTM
@op("LSTM")
def _lstm(args, attrs, opset, n_out):
    direction = attrs.get("direction", b"forward")
    if attrs.get("layout", 0) or "activations" in attrs or "clip" in attrs or attrs.get("input_forget", 0):
        raise NotImplementedError("LSTM: layout 0, default activations only")
    x = args[0]
    hidden = attrs["hidden_size"]
    get = lambda i: args[i] if len(args) > i and args[i] is not None else None  # noqa: E731
    if get(4) is not None or get(7) is not None:
        raise NotImplementedError("LSTM: sequence_lens / peepholes")
    batch = x.shape[1]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    runs = [False, True] if direction == b"bidirectional" else [direction == b"reverse"]
    ys, hs, cs = [], [], []
    for d, backward in enumerate(runs):
        w, r = args[1][d], args[2][d]
        b = get(3)[d] if get(3) is not None else np.zeros(8 * hidden, x.dtype)
        h = get(5)[d] if get(5) is not None else np.zeros((batch, hidden), x.dtype)
        c = get(6)[d] if get(6) is not None else np.zeros((batch, hidden), x.dtype)
        out = [None] * len(x)
        for t in (reversed(range(len(x))) if backward else range(len(x))):
            gates = x[t] @ w.T + h @ r.T + b[:4 * hidden] + b[4 * hidden:]
            i, o, f, g = np.split(gates, 4, axis=1)  # ONNX gate order: input, output, forget, cell
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            out[t] = h
        ys.append(np.stack(out))
        hs.append(h)
        cs.append(c)
    y = np.stack(ys, axis=1).astype(x.dtype)
    return [y, np.stack(hs).astype(x.dtype), np.stack(cs).astype(x.dtype)][:n_out]


# ---------------------------------------------------------------- GRU
@op("GRU")
def _gru(args, attrs, opset, n_out):
    direction = attrs.get("direction", b"forward")
    if attrs.get("layout", 0) or "activations" in attrs or "clip" in attrs:
        raise NotImplementedError("GRU: layout 0, default activations only")
    lbr = attrs.get("linear_before_reset", 0)
    x = args[0]
    hidden = attrs["hidden_size"]
    get = lambda i: args[i] if len(args) > i and args[i] is not None else None  # noqa: E731
    if get(4) is not None:
        raise NotImplementedError("GRU: sequence_lens")
    batch = x.shape[1]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    runs = [False, True] if direction == b"bidirectional" else [direction == b"reverse"]
    ys, hs = [], []
    for d, backward in enumerate(runs):
        w, r = args[1][d], args[2][d]
        b = get(3)[d] if get(3) is not None else np.zeros(6 * hidden, x.dtype)
        wz, wr, wh = np.split(w, 3)  # ONNX gate order: update, reset, hidden
        rz, rr, rh = np.split(r, 3)
        bz, br, bh, rbz, rbr, rbh = np.split(b, 6)
        h = get(5)[d] if get(5) is not None else np.zeros((batch, hidden), x.dtype)
        out = [None] * len(x)
        for t in (reversed(range(len(x))) if backward else range(len(x))):
            z = sig(x[t] @ wz.T + h @ rz.T + bz + rbz)
            rg = sig(x[t] @ wr.T + h @ rr.T + br + rbr)
            if lbr:
                n = np.tanh(x[t] @ wh.T + rg * (h @ rh.T + rbh) + bh)
            else:
                n = np.tanh(x[t] @ wh.T + (rg * h) @ rh.T + rbh + bh)
            h = (1 - z) * n + z * h
            out[t] = h
        ys.append(np.stack(out))
        hs.append(h)
    y = np.stack(ys, axis=1).astype(x.dtype)
    return [y, np.stack(hs).astype(x.dtype)][:n_out]
