#include "data/tokens.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "data/gzip.h"

namespace aimc {

namespace fs = std::filesystem;

int64_t Vocabulary::add(std::string_view token) {
  auto it = m_ids.find(token);
  if (it != m_ids.end()) return it->second;
  const int64_t id = size();
  m_tokens.emplace_back(token);
  m_ids.emplace(m_tokens.back(), id);
  return id;
}

std::optional<int64_t> Vocabulary::find(std::string_view token) const {
  auto it = m_ids.find(token);
  if (it == m_ids.end()) return std::nullopt;
  return it->second;
}

const std::string& Vocabulary::token(int64_t id) const {
  AIMC_ASSERT(id >= 0 && id < size(), fmt::format("token id {} out of range [0, {})", id, size()));
  return m_tokens[static_cast<size_t>(id)];
}

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// 'x', or \xNN for a byte that is not printable ASCII.
std::string shown(std::string_view token) {
  std::string s;
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    s += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return s;
}

std::string_view as_text(const std::vector<uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
}  // namespace

void for_each_token(std::string_view text, TokenLevel level,
                    const std::function<void(std::string_view token, int64_t line)>& fn) {
  int64_t line = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(pos, end - pos);
    bool first = true;
    for (size_t i = 0;;) {
      while (i < l.size() && is_space(l[i])) ++i;
      if (i >= l.size()) break;
      size_t j = i;
      while (j < l.size() && !is_space(l[j])) ++j;
      if (level == TokenLevel::word) {
        fn(l.substr(i, j - i), line);
      } else {
        if (!first) fn(kSpaceToken, line);
        for (size_t k = i; k < j; ++k) fn(l.substr(k, 1), line);
      }
      first = false;
      i = j;
    }
    fn(kEosToken, line);
    pos = end + 1;
    ++line;
  }
}

Vocabulary vocabulary_from_text(std::string_view text, TokenLevel level) {
  Vocabulary v;
  if (level == TokenLevel::word) {
    for_each_token(text, level, [&](std::string_view token, int64_t) { v.add(token); });
    return v;
  }
  std::array<bool, 256> seen{};
  for_each_token(text, level, [&](std::string_view token, int64_t) {
    if (token.size() == 1) seen[static_cast<unsigned char>(token[0])] = true;
  });
  for (size_t c = 0; c < seen.size(); ++c) {
    if (seen[c]) v.add(std::string(1, static_cast<char>(c)));
  }
  v.add(kEosToken);
  return v;
}

Vocabulary read_vocabulary(const std::string& path, TokenLevel level) {
  const ErrorContext at{.file = path};
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string_view text = as_text(bytes);
  Vocabulary v;
  int64_t line = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    while (!entry.empty() && is_space(entry.front())) entry.remove_prefix(1);
    while (!entry.empty() && is_space(entry.back())) entry.remove_suffix(1);
    if (entry.empty()) throw Error(fmt::format("vocabulary line {} is empty: expected one token per line", line), at);
    if (level == TokenLevel::character && entry.size() != 1 && entry != kEosToken && entry != kUnkToken) {
      throw Error(fmt::format("vocabulary line {}: '{}' is not one character, {} or {} (character level)", line, shown(entry),
                              kEosToken, kUnkToken),
                  at);
    }
    if (auto id = v.find(entry)) {
      throw Error(fmt::format("vocabulary line {}: duplicate token '{}' (also line {})", line, shown(entry), *id + 1), at);
    }
    v.add(entry);
  }
  if (v.size() == 0) throw Error("empty vocabulary: expected one token per line", at);
  return v;
}

std::vector<int64_t> encode_tokens(std::string_view text, const Vocabulary& vocab, TokenLevel level,
                                   const std::string& text_path) {
  const std::optional<int64_t> unk = vocab.find(kUnkToken);
  const std::optional<int64_t> eos = vocab.find(kEosToken);
  const char* what = level == TokenLevel::word ? "word" : "character";
  std::vector<int64_t> ids;
  ids.reserve(text.size() / (level == TokenLevel::word ? 4 : 1) + 16);
  for_each_token(text, level, [&](std::string_view token, int64_t line) {
    if (token == kEosToken) {
      if (!eos) {
        throw Error(fmt::format("line {}: the vocabulary has no {} for line ends", line, kEosToken),
                    ErrorContext{.file = text_path});
      }
      ids.push_back(*eos);
      return;
    }
    if (std::optional<int64_t> id = vocab.find(token)) {
      ids.push_back(*id);
    } else if (unk) {
      ids.push_back(*unk);
    } else {
      throw Error(
          fmt::format("line {}: unknown {} '{}' (not in the vocabulary, which has no {})", line, what, shown(token), kUnkToken),
          ErrorContext{.file = text_path});
    }
  });
  return ids;
}

std::string default_training_text(const std::string& text) {
  const fs::path p(text);
  std::vector<std::string> parts;
  const std::string name = p.filename().string();
  for (size_t pos = 0;;) {
    size_t dot = name.find('.', pos);
    parts.push_back(name.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (std::find(parts.begin(), parts.end(), "train") != parts.end()) return text;
  bool replaced = false;
  for (std::string& part : parts) {
    if (part == "test" || part == "valid" || part == "validation" || part == "val") {
      part = "train";
      replaced = true;
    }
  }
  if (!replaced) {
    throw Error(
        "no training text to take the vocabulary from (the file name has no test/valid part): "
        "give vocab=FILE or train=FILE",
        ErrorContext{.file = text});
  }
  if (parts.size() > 1 && parts.back() == "gz") parts.pop_back();
  const std::string candidate = (p.parent_path() / fmt::format("{}", fmt::join(parts, "."))).string();
  std::error_code ec;
  if (fs::exists(candidate, ec)) return candidate;
  if (fs::exists(candidate + ".gz", ec)) return candidate + ".gz";
  throw Error(fmt::format("no such file (nor .gz): the vocabulary for {} comes from this training text by default; "
                          "give vocab=FILE or train=FILE",
                          text),
              ErrorContext{.file = candidate});
}

Vocabulary load_vocabulary(const TokenOptions& opts) {
  if (!opts.vocab.empty() && !opts.train.empty()) {
    throw Error("give vocab=FILE or train=FILE, not both", ErrorContext{.field = "data"});
  }
  if (!opts.vocab.empty()) return read_vocabulary(plain_or_gz(opts.vocab), opts.level);
  const std::string train = opts.train.empty() ? default_training_text(opts.text) : plain_or_gz(opts.train);
  const std::vector<uint8_t> bytes = read_file_bytes(train);
  return vocabulary_from_text(as_text(bytes), opts.level);
}

Dataset load_tokens(const TokenOptions& opts, int64_t limit) {
  if (opts.seq <= 0)
    throw Error(fmt::format("seq={}: expected a positive window length", opts.seq), ErrorContext{.field = "data"});
  const std::string path = plain_or_gz(opts.text);
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const Vocabulary vocab = load_vocabulary(opts);
  const std::vector<int64_t> ids = encode_tokens(as_text(bytes), vocab, opts.level, path);
  const int64_t total = static_cast<int64_t>(ids.size());
  if (total < opts.seq + 1) {
    throw Error(fmt::format("{} tokens, fewer than one window of seq+1 = {}", total, opts.seq + 1), ErrorContext{.file = path});
  }
  int64_t n = (total - 1) / opts.seq;
  if (limit >= 0) n = std::min(n, limit);
  Dataset d{
      .kind = "tokens", .path = path, .inputs = Tensor(DType::i64, {n, opts.seq}), .labels = Tensor(DType::i64, {n, opts.seq})};
  const size_t count = static_cast<size_t>(n * opts.seq);
  std::copy(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(count), d.inputs.data<int64_t>());
  std::copy(ids.begin() + 1, ids.begin() + 1 + static_cast<std::ptrdiff_t>(count), d.labels.data<int64_t>());
  return d;
}

}  // namespace aimc
