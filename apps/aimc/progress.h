// A progress bar with an ETA on stderr, drawn only when stderr is a terminal.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace aimc::cli {

class Progress {
 public:
  Progress(int64_t total, bool enabled) : m_total(total), m_enabled(enabled && isatty(fileno(stderr)) != 0) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { finish(); }
  void finish() {
    if (m_enabled && m_drawn) std::fputs("\r\033[K", stderr);
    m_drawn = false;
  }
  void step(const std::string& label, int64_t n = 1) {
    m_done += n;
    if (!m_enabled) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double frac = m_total > 0 ? static_cast<double>(m_done) / static_cast<double>(m_total) : 1.0;
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    fmt::print(stderr, "\r\033[K[{}{}] {:3.0f}% {} ETA {:.0f}s", std::string(static_cast<size_t>(filled), '#'),
               std::string(static_cast<size_t>(width - filled), '.'), 100 * frac, label, eta);
    std::fflush(stderr);
    m_drawn = true;
  }

 private:
  int64_t m_total, m_done = 0;
  bool m_enabled, m_drawn = false;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

}  // namespace aimc::cli
