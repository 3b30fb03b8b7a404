#include <cstring>

#include "data/dataset.h"
#include "data/tokens.h"
#include "fixtures.h"

namespace aimc {
namespace {

using test::TempDir;

const char* kTrain = "the cat sat\nthe dog sat down\n";
// PTB style: a leading and a trailing space on each line.
const char* kTest = " the dog sat \n the cat \n";

std::vector<int64_t> values(const Tensor& t) { return t.to_int64_vector(); }

std::vector<std::string> tokens_of(std::string_view text, TokenLevel level) {
  std::vector<std::string> out;
  for_each_token(text, level, [&](std::string_view t, int64_t) { out.emplace_back(t); });
  return out;
}

TEST(Tokens, WordTokensEndEachLineWithEos) {
  using V = std::vector<std::string>;
  EXPECT_EQ(tokens_of(" a  b\t c \n\nd", TokenLevel::word), (V{"a", "b", "c", "<eos>", "<eos>", "d", "<eos>"}));
  EXPECT_EQ(tokens_of("a\r\nb\r\n", TokenLevel::word), (V{"a", "<eos>", "b", "<eos>"}));
  EXPECT_EQ(tokens_of("", TokenLevel::word), V{});
  EXPECT_EQ(tokens_of(" ab  c \nd", TokenLevel::character), (V{"a", "b", "_", "c", "<eos>", "d", "<eos>"}));
}

TEST(Tokens, WordVocabularyInOrderOfFirstAppearance) {
  Vocabulary v = vocabulary_from_text(kTrain, TokenLevel::word);
  EXPECT_EQ(v.tokens(), (std::vector<std::string>{"the", "cat", "sat", "<eos>", "dog", "down"}));
  EXPECT_EQ(v.find("dog"), 4);
  EXPECT_EQ(v.find("zebra"), std::nullopt);
  EXPECT_EQ(v.token(5), "down");
  EXPECT_THROW(v.token(6), InternalError);
}

TEST(Tokens, CharacterVocabularySortedThenEos) {
  Vocabulary v = vocabulary_from_text(kTrain, TokenLevel::character);
  EXPECT_EQ(v.tokens(), (std::vector<std::string>{"_", "a", "c", "d", "e", "g", "h", "n", "o", "s", "t", "w", "<eos>"}));
}

TEST(Tokens, WordWindowsWithTheDefaultTrainingVocabulary) {
  TempDir dir;
  test::write_text(dir / "tiny.train.txt", kTrain);
  test::write_text(dir / "tiny.test.txt", kTest);
  // the dog sat <eos> the cat <eos> = 0 4 2 3 0 1 3
  Dataset d = load_dataset("tokens:" + (dir / "tiny.test.txt") + ",seq=2");
  EXPECT_EQ(d.kind, "tokens");
  EXPECT_EQ(d.path, dir / "tiny.test.txt");
  ASSERT_EQ(d.inputs.dtype(), DType::i64);
  ASSERT_EQ(d.inputs.shape(), (Shape{3, 2}));
  ASSERT_EQ(d.labels.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(d.inputs), (std::vector<int64_t>{0, 4, 2, 3, 0, 1}));
  EXPECT_EQ(values(d.labels), (std::vector<int64_t>{4, 2, 3, 0, 1, 3}));
  // The tail that does not fill a window is dropped.
  Dataset d4 = load_dataset("tokens:" + (dir / "tiny.test.txt") + ",seq=4");
  EXPECT_EQ(d4.inputs.shape(), (Shape{1, 4}));
  EXPECT_EQ(values(d4.inputs), (std::vector<int64_t>{0, 4, 2, 3}));
  EXPECT_EQ(values(d4.labels), (std::vector<int64_t>{4, 2, 3, 0}));
  EXPECT_EQ(load_dataset("tokens:" + (dir / "tiny.test.txt") + ",seq=6").size(), 1);
  EXPECT_DATA_ERROR(load_dataset("tokens:" + (dir / "tiny.test.txt") + ",seq=7"), dir / "tiny.test.txt",
                    "7 tokens, fewer than one window of seq+1 = 8");
  // limit keeps the first windows.
  Dataset d1 = load_dataset("tokens:" + (dir / "tiny.test.txt") + ",seq=2", 1);
  EXPECT_EQ(d1.inputs.shape(), (Shape{1, 2}));
  EXPECT_EQ(values(d1.labels), (std::vector<int64_t>{4, 2}));
}

TEST(Tokens, DefaultTrainingTextIsFoundRawOrGzip) {
  TempDir dir;
  test::write_gz(dir / "ptb.train.txt.gz", test::Bytes(kTrain, kTrain + std::strlen(kTrain)));
  test::write_text(dir / "ptb.valid.txt", kTest);
  EXPECT_EQ(default_training_text(dir / "ptb.valid.txt"), dir / "ptb.train.txt.gz");
  EXPECT_EQ(default_training_text(dir / "ptb.train.txt"), dir / "ptb.train.txt");
  EXPECT_EQ(load_dataset("tokens:" + (dir / "ptb.valid.txt") + ",seq=3").size(), 2);
  EXPECT_DATA_ERROR(default_training_text(dir / "x.test.txt"), dir / "x.train.txt", "no such file (nor .gz)");
  EXPECT_DATA_ERROR(default_training_text(dir / "corpus.txt"), dir / "corpus.txt", "give vocab=FILE or train=FILE");
}

TEST(Tokens, ExplicitVocabularyFileAndTrainingText) {
  TempDir dir;
  test::write_text(dir / "text.txt", kTest);
  test::write_text(dir / "vocab.txt", "<eos>\nthe\ndog\nsat\ncat\r\n");
  Dataset d = load_dataset("tokens:" + (dir / "text.txt") + ",vocab=" + (dir / "vocab.txt") + ",seq=6");
  EXPECT_EQ(values(d.inputs), (std::vector<int64_t>{1, 2, 3, 0, 1, 4}));
  EXPECT_EQ(values(d.labels), (std::vector<int64_t>{2, 3, 0, 1, 4, 0}));
  test::write_text(dir / "other.txt", kTrain);
  Dataset t = load_dataset("tokens:" + (dir / "text.txt") + ",train=" + (dir / "other.txt") + ",seq=6");
  EXPECT_EQ(values(t.inputs), (std::vector<int64_t>{0, 4, 2, 3, 0, 1}));
}

TEST(Tokens, UnknownWordsAreErrorsUnlessTheVocabularyHasUnk) {
  TempDir dir;
  test::write_text(dir / "text.txt", "the cat\nthe zebra sat\n");
  test::write_text(dir / "vocab.txt", "the\ncat\nsat\n<eos>\n");
  const std::string spec = "tokens:" + (dir / "text.txt") + ",vocab=" + (dir / "vocab.txt") + ",seq=2";
  EXPECT_DATA_ERROR(load_dataset(spec), dir / "text.txt",
                    "line 2: unknown word 'zebra' (not in the vocabulary, which has no <unk>)");
  test::write_text(dir / "vocab.txt", "the\ncat\nsat\n<eos>\n<unk>\n");
  Dataset d = load_dataset(spec);
  // the cat <eos> the <unk> sat <eos>
  EXPECT_EQ(values(d.inputs), (std::vector<int64_t>{0, 1, 3, 0, 4, 2}));
  EXPECT_EQ(values(d.labels), (std::vector<int64_t>{1, 3, 0, 4, 2, 3}));
  test::write_text(dir / "vocab.txt", "the\ncat\nsat\n<unk>\n");
  EXPECT_DATA_ERROR(load_dataset(spec), dir / "text.txt", "line 1: the vocabulary has no <eos> for line ends");
}

TEST(Tokens, BadVocabularyFiles) {
  TempDir dir;
  const std::string v = dir / "vocab.txt";
  test::write_text(v, "a\n\nb\n");
  EXPECT_DATA_ERROR(read_vocabulary(v, TokenLevel::word), v, "vocabulary line 2 is empty");
  test::write_text(v, "a\nb\na\n");
  EXPECT_DATA_ERROR(read_vocabulary(v, TokenLevel::word), v, "vocabulary line 3: duplicate token 'a' (also line 1)");
  test::write_text(v, "");
  EXPECT_DATA_ERROR(read_vocabulary(v, TokenLevel::word), v, "empty vocabulary");
  test::write_text(v, "a\nbc\n");
  EXPECT_DATA_ERROR(read_vocabulary(v, TokenLevel::character), v, "vocabulary line 2: 'bc' is not one character");
  EXPECT_DATA_ERROR(read_vocabulary(dir / "none.txt", TokenLevel::word), dir / "none.txt", "no such file");
}

TEST(Tokens, CharacterLevel) {
  TempDir dir;
  test::write_text(dir / "tiny.train.txt", kTrain);
  test::write_text(dir / "tiny.test.txt", " the cat \n");
  // t h e _ c a t <eos> with ids from the sorted vocabulary _ a c d e g h n o s t w <eos>
  Dataset d = load_dataset("tokens:" + (dir / "tiny.test.txt") + ",level=char,seq=7");
  EXPECT_EQ(values(d.inputs), (std::vector<int64_t>{10, 6, 4, 0, 2, 1, 10}));
  EXPECT_EQ(values(d.labels), (std::vector<int64_t>{6, 4, 0, 2, 1, 10, 12}));
  test::write_text(dir / "tiny.test.txt", "the bat\n");
  EXPECT_DATA_ERROR(load_dataset("tokens:" + (dir / "tiny.test.txt") + ",level=char,seq=2"), dir / "tiny.test.txt",
                    "line 1: unknown character 'b'");
  // A fixed charset file: t a b _ b a t <eos>.
  test::write_text(dir / "chars.txt", "<eos>\n_\na\nb\nt\n");
  test::write_text(dir / "tiny.test.txt", "tab bat\n");
  Dataset c = load_dataset("tokens:" + (dir / "tiny.test.txt") + ",level=char,seq=3,vocab=" + (dir / "chars.txt"));
  EXPECT_EQ(values(c.inputs), (std::vector<int64_t>{4, 2, 3, 1, 3, 2}));
  EXPECT_EQ(values(c.labels), (std::vector<int64_t>{2, 3, 1, 3, 2, 4}));
}

TEST(Tokens, MissingText) {
  TempDir dir;
  EXPECT_DATA_ERROR(load_dataset("tokens:" + (dir / "a.test.txt")), dir / "a.test.txt", "no such file");
}

}  // namespace
}  // namespace aimc
