#include "core/text_file.h"

#include <fstream>
#include <iostream>

#include "core/error.h"

namespace aimc {

void write_text_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    return;
  }
  std::ofstream f(path);
  if (!f) throw Error("cannot open for writing", ErrorContext{.file = path});
  f << text;
  f.flush();
  if (!f) throw Error("write failed", ErrorContext{.file = path});
}

}  // namespace aimc
