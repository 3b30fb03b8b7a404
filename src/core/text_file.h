// Writing a whole text file, with errors that name it (JSON results, Programs, reports).
#pragma once

#include <string>

namespace aimc {

// Writes `text` to `path` (replacing it); "-" writes to stdout. Throws Error naming the file.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace aimc
