#include "data/dataset.h"
#include "data/npy.h"
#include "fixtures.h"

namespace aimc {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

TEST(DatasetSpec, SplitsKindPathsAndOptions) {
  DatasetSpec s = parse_dataset_spec("tokens:/a/b.txt,seq=20,level=char");
  EXPECT_EQ(s.kind, "tokens");
  EXPECT_EQ(s.paths, (std::vector<std::string>{"/a/b.txt"}));
  using KV = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(s.options, (KV{{"seq", "20"}, {"level", "char"}}));
  DatasetSpec n = parse_dataset_spec("npy:x.npy,y.npy");
  EXPECT_EQ(n.paths, (std::vector<std::string>{"x.npy", "y.npy"}));
  // Only the first colon separates the kind.
  EXPECT_EQ(parse_dataset_spec("cifar10:c:/data").paths, (std::vector<std::string>{"c:/data"}));
  EXPECT_EQ(parse_dataset_spec("mnist:d,split=train").options, (KV{{"split", "train"}}));
}

TEST(DatasetSpec, MalformedSpecsNameTheFieldAndTheAcceptedForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"",
       "is not KIND:PATH; accepted: mnist:DIR[,split=test|train] | cifar10:DIR|FILE.bin[.gz] | "
       "npy:X.npy[,Y.npy] | tokens:TEXT[,vocab=FILE|train=FILE][,seq=N][,level=word|char]"},
      {"mnist", "'mnist' is not KIND:PATH; accepted: mnist:DIR"},
      {"imagenet:/x", "unknown dataset kind 'imagenet'; accepted: mnist:DIR"},
      {"mnist:", "has an empty path; expected mnist:DIR[,split=test|train]"},
      {"npy:a.npy,,b.npy", "has an empty part; expected npy:X.npy[,Y.npy]"},
      {"mnist:a,b", "mnist: 2 paths given; expected mnist:DIR[,split=test|train]"},
      {"npy:a,b,c", "npy: 3 paths given; expected npy:X.npy[,Y.npy]"},
      {"tokens:seq=3", "tokens: 0 paths given"},
      {"cifar10:x,size=3", "cifar10: unknown option 'size' (cifar10 takes no options)"},
      {"tokens:a,sequence=3", "tokens: unknown option 'sequence' (accepted: vocab, train, seq, level)"},
      {"tokens:a,seq=", "tokens: option 'seq' has no value"},
      {"tokens:a,seq=3,seq=4", "tokens: option 'seq' given twice"},
  };
  for (const auto& c : cases) {
    const std::string &spec = c.first, &message = c.second;  // (clang 14's lambdas cannot capture bindings)
    SCOPED_TRACE(spec);
    std::optional<Error> e = test::error_of([&] { parse_dataset_spec(spec); });
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->context().field, "data");
    EXPECT_THAT(e->what(), testing::StartsWith("data: "));
    EXPECT_THAT(e->what(), HasSubstr(message));
    // load_dataset reports the same before touching any file.
    std::optional<Error> l = test::error_of([&] { load_dataset(spec); });
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->message(), e->message());
  }
}

TEST(DatasetSpec, BadOptionValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tokens:a.txt,seq=abc", "seq=abc: expected a positive integer"},
      {"tokens:a.txt,seq=0", "seq=0: expected a positive integer"},
      {"tokens:a.txt,seq=-3", "seq=-3: expected a positive integer"},
      {"tokens:a.txt,seq=12x", "seq=12x: expected a positive integer"},
      {"tokens:a.txt,level=byte", "level=byte: expected level=word or level=char"},
      {"tokens:a.txt,vocab=v,train=t", "give vocab=FILE or train=FILE, not both"},
      {"mnist:/tmp,split=val", "split=val: expected split=test or split=train"},
  };
  for (const auto& c : cases) {
    const std::string &spec = c.first, &message = c.second;  // (clang 14's lambdas cannot capture bindings)
    SCOPED_TRACE(spec);
    std::optional<Error> e = test::error_of([&] { load_dataset(spec); });
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->context().field, "data");
    EXPECT_THAT(e->what(), HasSubstr(message));
  }
}

TEST(NpyDataset, InputsAndIntegerLabels) {
  TempDir dir;
  write_npy(dir / "x.npy", Tensor::from<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  write_npy(dir / "y.npy", Tensor::from<int32_t>({3, 1, 4, 1}, {4}));
  Dataset d = load_dataset("npy:" + (dir / "x.npy") + "," + (dir / "y.npy"));
  EXPECT_EQ(d.kind, "npy");
  EXPECT_EQ(d.path, dir / "x.npy");
  EXPECT_EQ(d.inputs.shape(), (Shape{4, 2}));
  EXPECT_EQ(d.labels.dtype(), DType::i64);
  EXPECT_EQ(d.labels.to_int64_vector(), (std::vector<int64_t>{3, 1, 4, 1}));
  // [N, 1] labels, u8, and limit applied to both.
  write_npy(dir / "y1.npy", Tensor::from<uint8_t>({9, 8, 7, 6}, {4, 1}));
  Dataset l = load_dataset("npy:" + (dir / "x.npy") + "," + (dir / "y1.npy"), 3);
  EXPECT_EQ(l.inputs.shape(), (Shape{3, 2}));
  EXPECT_EQ(l.labels.shape(), (Shape{3}));
  EXPECT_EQ(l.labels.to_int64_vector(), (std::vector<int64_t>{9, 8, 7}));
}

TEST(NpyDataset, InputsOnlyAndUnscaledBytes) {
  TempDir dir;
  write_npy(dir / "x.npy", Tensor::from<uint8_t>({0, 128, 255}, {3, 1}));
  Dataset d = load_dataset("npy:" + (dir / "x.npy"));
  EXPECT_FALSE(d.has_labels());
  EXPECT_EQ(d.inputs.dtype(), DType::u8);
  EXPECT_EQ(d.inputs.to_int64_vector(), (std::vector<int64_t>{0, 128, 255}));
}

TEST(NpyDataset, BadLabels) {
  TempDir dir;
  write_npy(dir / "x.npy", Tensor(DType::f32, {4, 2}));
  write_npy(dir / "yf.npy", Tensor(DType::f32, {4}));
  write_npy(dir / "y3.npy", Tensor(DType::i64, {3}));
  write_npy(dir / "y2.npy", Tensor(DType::i64, {4, 2}));
  const std::string x = "npy:" + (dir / "x.npy") + ",";
  EXPECT_DATA_ERROR(load_dataset(x + (dir / "yf.npy")), dir / "yf.npy", "labels must be an integer array");
  EXPECT_DATA_ERROR(load_dataset(x + (dir / "y3.npy")), dir / "y3.npy", "3 labels, but " + (dir / "x.npy") + " has 4 samples");
  EXPECT_DATA_ERROR(load_dataset(x + (dir / "y3.npy"), 2), dir / "y3.npy", "3 labels, but");
  EXPECT_DATA_ERROR(load_dataset(x + (dir / "y2.npy")), dir / "y2.npy", "labels must have shape [N] or [N, 1]");
  EXPECT_DATA_ERROR(load_dataset(x + (dir / "none.npy")), dir / "none.npy", "no such file");
  write_npy(dir / "s.npy", Tensor::scalar<float>(1));
  EXPECT_DATA_ERROR(load_dataset("npy:" + (dir / "s.npy")), dir / "s.npy", "a scalar has no samples");
}

}  // namespace
}  // namespace aimc
