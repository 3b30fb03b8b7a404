#include "reference/dnnl_util.h"

namespace aimc::ref {

memory::dims to_dims(const Shape& shape) { return memory::dims(shape.begin(), shape.end()); }

memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::f32:
      return memory::data_type::f32;
    case DType::i32:
      return memory::data_type::s32;
    case DType::i8:
      return memory::data_type::s8;
    case DType::u8:
      return memory::data_type::u8;
    case DType::i64:
      break;
  }
  throw InternalError("oneDNN has no 64-bit integer type");
}

memory::desc plain_desc(const Shape& shape, DType dtype) {
  memory::dims strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return memory::desc(to_dims(shape), dnnl_type(dtype), strides);
}

memory::desc strided_desc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory wrap(const Tensor& t, const memory::desc& desc, const dnnl::engine& engine) {
  return memory(desc, engine, const_cast<std::byte*>(t.raw()));
}

bool has_padding(const memory::desc& desc) {
  for (int i = 0; i < desc.data.ndims; ++i) {
    if (desc.data.padded_dims[i] != desc.data.dims[i]) return true;
  }
  return false;
}

memory::desc layout_of(const Buffer& b, const Shape& shape) { return b.blocked() ? b.desc : plain_desc(shape, b.data.dtype()); }

void reorder(dnnl::stream& stream, const memory& src, const memory& dst) {
  dnnl::reorder(src, dst).execute(stream, const_cast<memory&>(src), const_cast<memory&>(dst));
}

memory input_as(RunContext& ctx, size_t i, const memory::desc& want) {
  const Shape& shape = ctx.in_shape(i);
  const Buffer& b = ctx.in_buffer(i);
  memory::desc have = layout_of(b, shape);
  if (have == want) return wrap(b.data, want, ctx.engine());
  memory::desc plain = plain_desc(shape, b.data.dtype());
  if (want == plain) return wrap(ctx.in(i), want, ctx.engine());
  Tensor t = ctx.temp(DType::f32, {static_cast<int64_t>((want.get_size() + 3) / 4)});
  memory dst = wrap(t, want, ctx.engine());
  reorder(ctx.stream(), wrap(b.data, have, ctx.engine()), dst);
  return dst;
}

Tensor sum_destination(RunContext& ctx, size_t i, const memory::desc& want) {
  const Shape& shape = ctx.in_shape(i);
  if (ctx.stealable(i) && layout_of(ctx.in_buffer(i), shape) == want) return ctx.steal(i).data;
  const Buffer& b = ctx.in_buffer(i);
  Tensor t = ctx.new_storage(want);
  reorder(ctx.stream(), wrap(b.data, layout_of(b, shape), ctx.engine()), wrap(t, want, ctx.engine()));
  return t;
}

dnnl::primitive_attr post_op_attr(const std::vector<PostOp>& ops) {
  dnnl::post_ops po;
  for (const PostOp& p : ops) {
    switch (p.op) {
      case OpKind::Add:
        po.append_sum(1.0f);
        break;
      case OpKind::Relu:
        po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        break;
      case OpKind::LeakyRelu:
        po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, p.attrs.alpha, 0.0f);
        break;
      case OpKind::Clip:
        po.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, p.attrs.min, p.attrs.max);
        break;
      default:
        throw InternalError("post_op_attr: op cannot be fused");
    }
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  return attr;
}

memory WeightCache::get(const memory::desc& want, const dnnl::engine& engine, dnnl::stream& stream) {
  for (auto& [desc, mem] : m_reordered) {
    if (desc == want) return mem;
  }
  memory mem(want, engine);
  reorder(stream, wrap(m_plain, m_layout, engine), mem);
  stream.wait();
  m_reordered.emplace_back(want, mem);
  return mem;
}

}  // namespace aimc::ref
