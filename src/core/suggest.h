// "Did you mean" suggestions for misspelt keys and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aimc {

// The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
// adjacent transpositions), if it is close enough to be a plausible typo: at most 1 edit for words
// of up to 4 characters, 2 up to 8, 3 beyond. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'bits'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c"
std::string join_names(const std::vector<std::string>& names);

}  // namespace aimc
