// Writing the files aimc produces (JSON results, Programs, reports, npy outputs), and the rules an
// output path must follow (docs/user-guide.md, "Output files").
//
// Every write goes to a temporary file in the destination's folder, which is then renamed over the
// destination: a reader never sees half a file, and a failed write (disk full, a bad folder) leaves
// any old file as it was and no temporary behind.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aimc {

// Writes `bytes` to `path` atomically (replacing it); "-" writes to stdout. Throws Error naming the file.
void write_file_atomic(const std::string& path, std::string_view bytes);
// The same for text.
void write_text_file(const std::string& path, const std::string& text);

// True when `a` and `b` name the same file or folder (the same inode when both exist, else the same
// normalised absolute path).
bool same_path(const std::string& a, const std::string& b);

// An output of a command: the option that names it and its path ("-": stdout, always allowed).
struct OutputPath {
  std::string option;
  std::string path;
};

// Checks a command's outputs before it does any work: none may be one of its `inputs` (refused
// whatever `force` says) or a folder, and an existing file is replaced only when `force`. Throws
// Error (field = the output's option) naming the file and what to do.
void check_outputs(const std::vector<OutputPath>& outputs, const std::vector<std::string>& inputs, bool force);

}  // namespace aimc
