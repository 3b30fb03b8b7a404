#include <fmt/format.h>

#include <cstdlib>
#include <random>

#include "data/npy.h"
#include "fixtures.h"

namespace aimc {
namespace {

using test::Bytes;
using test::TempDir;
using ::testing::HasSubstr;

template <class T>
Tensor iota(Shape shape, T start) {
  Tensor t(dtype_of<T>(), std::move(shape));
  T* p = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(start + static_cast<T>(i));
  return t;
}

void expect_same(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a.as_double(i), b.as_double(i)) << i;
}

std::vector<Tensor> every_dtype() {
  return {iota<float>({2, 3}, -1.5f),       iota<int32_t>({4}, -2),           iota<int64_t>({2, 1, 2, 2}, -(int64_t{1} << 40)),
          iota<int8_t>({3, 2}, int8_t{-3}), iota<uint8_t>({5}, uint8_t{250}), Tensor::scalar<float>(3.25f),
          Tensor::scalar<int64_t>(-7),      Tensor(DType::f32, {0, 3}),       Tensor(DType::u8, {2, 0})};
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  TempDir dir;
  for (const Tensor& t : every_dtype()) {
    SCOPED_TRACE(std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()));
    write_npy(dir / "a.npy", t);
    expect_same(read_npy(dir / "a.npy"), t);
    EXPECT_EQ(read_npy_shape(dir / "a.npy"), t.shape());
  }
}

TEST(Npy, WritesVersion1WithA64ByteAlignedHeader) {
  TempDir dir;
  write_npy(dir / "a.npy", iota<float>({2, 3}, 0.0f));
  Bytes b = test::read_bytes(dir / "a.npy");
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(std::string(b.begin() + 1, b.begin() + 6), "NUMPY");
  EXPECT_EQ(b[0], 0x93);
  EXPECT_EQ(b[6], 1);
  EXPECT_EQ(b[7], 0);
  const size_t header_len = b[8] | (size_t{b[9]} << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(b.size(), 10 + header_len + 24);
  std::string header(b.begin() + 10, b.begin() + 10 + static_cast<std::ptrdiff_t>(header_len));
  EXPECT_EQ(header.back(), '\n');
  EXPECT_THAT(header, HasSubstr("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
  write_npy(dir / "b.npy", iota<uint8_t>({5}, uint8_t{0}));
  const Bytes bb = test::read_bytes(dir / "b.npy");
  std::string b_text(bb.begin() + 10, bb.begin() + 64);
  EXPECT_THAT(b_text, HasSubstr("'descr': '|u1'"));
  EXPECT_THAT(b_text, HasSubstr("'shape': (5,)"));
  write_npy(dir / "c.npy", Tensor::scalar<int32_t>(1));
  const Bytes cb = test::read_bytes(dir / "c.npy");
  std::string c(cb.begin(), cb.end());
  EXPECT_THAT(c, HasSubstr("'descr': '<i4', 'fortran_order': False, 'shape': (), }"));
}

TEST(Npy, ReadsHandBuiltHeaders) {
  TempDir dir;
  const std::string p = dir / "h.npy";
  // f8 converted to f32; double quotes, no trailing comma, odd spacing, any key order.
  test::write_file(p, test::npy_bytes("{ \"shape\" : (3,) ,\"fortran_order\":False, \"descr\": \"<f8\"}\n",
                                      test::raw_of<double>({0.5, -2.25, 1e10})));
  Tensor f = read_npy(p);
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.shape(), (Shape{3}));
  EXPECT_FLOAT_EQ(f.data<float>()[1], -2.25f);
  EXPECT_FLOAT_EQ(f.data<float>()[2], 1e10f);
  // bool as u8.
  test::write_file(p, test::npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", {1, 0, 0, 1}));
  Tensor b = read_npy(p);
  EXPECT_EQ(b.dtype(), DType::u8);
  EXPECT_EQ(b.to_int64_vector(), (std::vector<int64_t>{1, 0, 0, 1}));
  // Versions 2.0 and 3.0 have a 4-byte header length.
  for (int major : {2, 3}) {
    test::write_file(p, test::npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }      \n",
                                        test::raw_of<int64_t>({-5, 1LL << 50}), major));
    Tensor t = read_npy(p);
    EXPECT_EQ(t.dtype(), DType::i64);
    EXPECT_EQ(t.to_int64_vector(), (std::vector<int64_t>{-5, 1LL << 50}));
  }
  // Python 2 long dimensions and a scalar.
  test::write_file(
      p, test::npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1L, 2L), }", test::raw_of<int32_t>({4, 5})));
  EXPECT_EQ(read_npy(p).shape(), (Shape{1, 2}));
  test::write_file(p, test::npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (), }", {0xff}));
  Tensor s = read_npy(p);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.data<int8_t>()[0], -1);
}

TEST(Npy, ReadRowsReadsOnlyTheFirstRows) {
  TempDir dir;
  write_npy(dir / "a.npy", iota<int32_t>({5, 2}, 0));
  Tensor t = read_npy_rows(dir / "a.npy", 2);
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.to_int64_vector(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(read_npy_rows(dir / "a.npy", 0).shape(), (Shape{0, 2}));
  EXPECT_EQ(read_npy_rows(dir / "a.npy", 9).shape(), (Shape{5, 2}));
  EXPECT_EQ(read_npy_rows(dir / "a.npy", -1).shape(), (Shape{5, 2}));
}

const char* kF4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

TEST(Npy, ErrorsOnBadMagicAndVersion) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  test::write_file(p, {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_DATA_ERROR(read_npy(p), p, "not a .npy file: bad magic");
  test::write_file(p, {});
  EXPECT_DATA_ERROR(read_npy(p), p, "bad magic");
  Bytes b = test::npy_bytes(kF4, test::raw_of<float>({1, 2}));
  b[6] = 4;
  test::write_file(p, b);
  EXPECT_DATA_ERROR(read_npy(p), p, "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)");
  EXPECT_DATA_ERROR(read_npy(dir / "missing.npy"), dir / "missing.npy", "no such file");
  EXPECT_DATA_ERROR(read_npy(dir.str()), dir.str(), "is a folder; expected a .npy file");
}

TEST(Npy, ErrorsOnUnsupportedDtypes) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  for (const char* descr : {"<c8", ">f4", "<f2", "<u4", "|O", "<U5", "f4"}) {
    SCOPED_TRACE(descr);
    test::write_file(
        p, test::npy_bytes(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
    EXPECT_DATA_ERROR(read_npy(p), p, std::string("unsupported dtype '") + descr + "'");
    EXPECT_DATA_ERROR(read_npy(p), p, "supported: <f4, <f8 (read as f32), <i4, <i8, |i1, |u1, |b1 (read as u8)");
  }
  test::write_file(p, test::npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
  EXPECT_DATA_ERROR(read_npy(p), p, "'>f4' (big-endian)");
  test::write_file(p, test::npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
  EXPECT_DATA_ERROR(read_npy(p), p, "structured");
}

TEST(Npy, ErrorsOnFortranOrder) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  test::write_file(p, test::npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", Bytes(16)));
  EXPECT_DATA_ERROR(read_npy(p), p, "fortran_order is True: only C-order arrays are supported");
}

TEST(Npy, ErrorsOnTruncationAndTrailingData) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  test::write_file(p, test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(20)));
  EXPECT_DATA_ERROR(read_npy(p), p, "truncated: shape (2, 3) of '<f4' needs 24 bytes of data, the file has 20");
  test::write_file(p, test::npy_bytes(kF4, Bytes(9)));
  EXPECT_DATA_ERROR(read_npy(p), p, "size mismatch: shape (2,) of '<f4' needs 8 bytes of data, the file has 9");
  // A header length pointing past the end.
  Bytes b = test::npy_bytes(kF4, {});
  b.resize(30);
  test::write_file(p, b);
  EXPECT_DATA_ERROR(read_npy(p), p, "truncated: the preamble announces a");
  // Every prefix of a valid file is an Error.
  write_npy(p, iota<int64_t>({3, 2}, 0));
  Bytes full = test::read_bytes(p);
  for (size_t n = 0; n < full.size(); ++n) {
    test::write_file(p, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_TRUE(test::error_of([&] { read_npy(p); }).has_value()) << n;
  }
}

TEST(Npy, ErrorsOnGarbageHeaders) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hello world", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'descr': '<f4', 'shape': (2,)}", "missing key 'fortran_order'"},
      {"{'fortran_order': False, 'shape': (2,)}", "missing key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unknown key 'extra'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "duplicate key 'descr'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}' at offset 17"},
      {"{'descr' '<f4'}", "expected ':'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "expected a non-negative integer dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", "expected ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "dimension too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "unexpected text after the dict"},
      {"{'descr", "unterminated string"},
      {"", "expected '{'"},
  };
  for (const auto& [header, message] : cases) {
    SCOPED_TRACE(header);
    test::write_file(p, test::npy_bytes(header, Bytes(8)));
    EXPECT_DATA_ERROR(read_npy(p), p, "bad .npy header: " + message);
  }
  // A shape whose byte count overflows 64 bits.
  test::write_file(p, test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", Bytes(8)));
  EXPECT_DATA_ERROR(read_npy(p), p, "too large");
  // A shape claiming 2^40 elements without overflow: an error from the file size, no allocation.
  test::write_file(p, test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", Bytes(8)));
  EXPECT_DATA_ERROR(read_npy(p), p, "truncated");
}

TEST(Npy, RandomlyCorruptedHeadersNeverCrash) {
  TempDir dir;
  const std::string p = dir / "x.npy";
  write_npy(p, iota<float>({4, 4}, 0.0f));
  const Bytes good = test::read_bytes(p);
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 500; ++trial) {
    Bytes b = good;
    for (int k = 0; k < 3; ++k) b[rng() % 80] = static_cast<uint8_t>(rng());
    test::write_file(p, b);
    try {
      Tensor t = read_npy(p);
      EXPECT_LE(t.nbytes(), good.size());
    } catch (const Error&) {
    }
  }
}

TEST(Npy, WriteErrorsNameTheFile) {
  TempDir dir;
  const std::string p = dir / "no-such-dir/a.npy";
  EXPECT_DATA_ERROR(write_npy(p, iota<float>({2}, 0.0f)), p, "cannot open for writing");
  EXPECT_DATA_ERROR(write_npy(dir / "b.npy", Tensor()), dir / "b.npy", "undefined tensor");
}

// Round trip with numpy itself, when /usr/bin/python3 has it.
TEST(Npy, RoundTripsWithNumpy) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  }
  TempDir dir;
  const std::vector<Tensor> tensors = every_dtype();
  for (size_t i = 0; i < tensors.size(); ++i) write_npy(dir / fmt::format("c{}.npy", i), tensors[i]);
  test::write_text(dir / "check.py", R"PY(
import sys, numpy as np
d = sys.argv[1]
expected = [
    np.arange(6, dtype=np.float32).reshape(2, 3) - 1.5,
    np.arange(4, dtype=np.int32) - 2,
    np.arange(8, dtype=np.int64).reshape(2, 1, 2, 2) - (1 << 40),
    np.arange(6, dtype=np.int8).reshape(3, 2) - 3,
    np.arange(250, 255, dtype=np.uint8),
    np.array(3.25, dtype=np.float32),
    np.array(-7, dtype=np.int64),
    np.zeros((0, 3), np.float32),
    np.zeros((2, 0), np.uint8),
]
for i, e in enumerate(expected):
    a = np.load(f"{d}/c{i}.npy")
    assert a.dtype == e.dtype and a.shape == e.shape and (a == e).all(), (i, a, e)
# Files written by numpy for the C++ side to read.
np.save(f"{d}/n_f8.npy", np.array([[0.5, -1.0], [1e-3, 2.0]]))
np.save(f"{d}/n_bool.npy", np.array([True, False, True]))
np.save(f"{d}/n_i8.npy", np.arange(-3, 3, dtype=np.int8).reshape(2, 3))
np.save(f"{d}/n_scalar.npy", np.float32(2.5))
np.save(f"{d}/n_fortran.npy", np.asfortranarray(np.ones((2, 3), np.float32)))
np.save(f"{d}/n_big.npy", np.ones(3, dtype=">f4"))
np.save(f"{d}/n_c8.npy", np.ones(3, dtype=np.complex64))
with open(f"{d}/n_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(5, dtype=np.int64), version=(2, 0))
with open(f"{d}/n_v3.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(5, dtype=np.uint8), version=(3, 0))
print("ok")
)PY");
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (dir / "check.py") + " " + dir.str()).c_str()), 0);
  Tensor f8 = read_npy(dir / "n_f8.npy");
  EXPECT_EQ(f8.dtype(), DType::f32);
  EXPECT_EQ(f8.shape(), (Shape{2, 2}));
  EXPECT_FLOAT_EQ(f8.data<float>()[2], 1e-3f);
  EXPECT_EQ(read_npy(dir / "n_bool.npy").to_int64_vector(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(read_npy(dir / "n_i8.npy").to_int64_vector(), (std::vector<int64_t>{-3, -2, -1, 0, 1, 2}));
  Tensor s = read_npy(dir / "n_scalar.npy");
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.data<float>()[0], 2.5f);
  EXPECT_EQ(read_npy(dir / "n_v2.npy").to_int64_vector(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(read_npy(dir / "n_v3.npy").dtype(), DType::u8);
  EXPECT_DATA_ERROR(read_npy(dir / "n_fortran.npy"), dir / "n_fortran.npy", "fortran_order is True");
  EXPECT_DATA_ERROR(read_npy(dir / "n_big.npy"), dir / "n_big.npy", "'>f4' (big-endian)");
  EXPECT_DATA_ERROR(read_npy(dir / "n_c8.npy"), dir / "n_c8.npy", "unsupported dtype '<c8'");
}

}  // namespace
}  // namespace aimc
