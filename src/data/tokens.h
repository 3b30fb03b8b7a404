// Token streams for language models (word or character level), PTB style: one sentence per
// line, words separated by whitespace, each line end an "<eos>" token.
//
// Word level: the whitespace-separated words of each line, then <eos> (as the PyTorch
// word_language_model example tokenises). Character level: the bytes of each line's words, with
// "_" between words and <eos> at the line end (the Mikolov / AWD-LSTM "pennchar" convention).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/dataset.h"

namespace aimc {

enum class TokenLevel { word, character };

inline constexpr std::string_view kEosToken = "<eos>";
inline constexpr std::string_view kUnkToken = "<unk>";
inline constexpr std::string_view kSpaceToken = "_";  // word separator at character level

// Token <-> id. Ids are dense, in order of addition.
class Vocabulary {
 public:
  // The id of `token`, adding it first if new.
  int64_t add(std::string_view token);
  std::optional<int64_t> find(std::string_view token) const;
  // Throws InternalError if `id` is out of range.
  const std::string& token(int64_t id) const;
  int64_t size() const { return static_cast<int64_t>(m_tokens.size()); }
  const std::vector<std::string>& tokens() const { return m_tokens; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> m_tokens;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> m_ids;
};

// Calls `fn(token, line)` for every token of `text` in order (line counts from 1). Tokens are
// views into `text` or into the constants above.
void for_each_token(std::string_view text, TokenLevel level, const std::function<void(std::string_view token, int64_t line)>& fn);

// The vocabulary of a training text: word level, the tokens in order of first appearance;
// character level, the distinct characters (including "_") sorted by byte value, then <eos>.
Vocabulary vocabulary_from_text(std::string_view text, TokenLevel level);

// A vocabulary file: one token per line, id = line index (0-based). Throws Error{.file} on an
// empty line, a duplicate, or (character level) an entry that is not one byte, <eos> or <unk>.
Vocabulary read_vocabulary(const std::string& path, TokenLevel level);

// The ids of `text`'s tokens. A token not in `vocab` becomes <unk> if the vocabulary has it,
// else Error{.file = text_path} naming the token and its line. <eos> must be in the vocabulary.
std::vector<int64_t> encode_tokens(std::string_view text, const Vocabulary& vocab, TokenLevel level,
                                   const std::string& text_path);

struct TokenOptions {
  std::string text;   // text to evaluate (raw or .gz)
  std::string vocab;  // vocabulary file; exclusive with `train`
  std::string train;  // text to build the vocabulary from; when both are empty, the training text
                      // beside `text` (its name with test/valid/val replaced by train, raw or .gz)
  int64_t seq = 35;   // window length
  TokenLevel level = TokenLevel::word;
};

// The training text whose vocabulary `text` uses by default: `text`'s file name with the
// component "test", "valid", "validation" or "val" (between dots) replaced by "train", raw or .gz;
// `text` itself if it is a training text. Throws Error{.file = text} when there is none.
std::string default_training_text(const std::string& text);

// The vocabulary `opts` selects (vocab file, training text, or the default training text).
Vocabulary load_vocabulary(const TokenOptions& opts);

// Non-overlapping windows of `seq` consecutive tokens: inputs i64 [N, seq], labels i64 [N, seq]
// the next tokens (labels[n][t] = token n*seq + t + 1). N = (tokens - 1) / seq; the tail that
// does not fill a window is dropped; `limit` >= 0 keeps the first `limit` windows.
Dataset load_tokens(const TokenOptions& opts, int64_t limit);

}  // namespace aimc
