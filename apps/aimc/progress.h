// Progress of a long command on stderr: a bar redrawn in place on a terminal; on a log (stderr not a
// terminal) one line every kLogEverySeconds ($AIMC_PROGRESS_EVERY seconds when set). Off with --quiet.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace aimc::cli {

class Progress {
 public:
  static constexpr double kLogEverySeconds = 10;

  Progress(std::string task, bool enabled) : m_task(std::move(task)), m_enabled(enabled), m_tty(isatty(fileno(stderr)) != 0) {
    if (const char* every = std::getenv("AIMC_PROGRESS_EVERY"); every != nullptr) m_every = std::atof(every);
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { finish(); }

  // `done` of `total` units finished; `label` says what runs now.
  void update(int64_t done, int64_t total, const std::string& label) {
    if (!m_enabled) return;
    const double elapsed = seconds(m_start);
    const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const std::string eta = frac > 0 && frac < 1 ? fmt::format(", {:.0f} s left", elapsed * (1 - frac) / frac) : "";
    if (m_tty) {
      const int width = 30;
      const int filled = static_cast<int>(frac * width);
      fmt::print(stderr, "\r\033[K{} [{}{}] {:3.0f}% {}{}", m_task, std::string(static_cast<size_t>(filled), '#'),
                 std::string(static_cast<size_t>(width - filled), '.'), 100 * frac, label, eta);
      std::fflush(stderr);
      m_drawn = true;
    } else if (seconds(m_last_line) >= m_every) {
      fmt::print(stderr, "aimc: {}: {:.0f}% ({}){}\n", m_task, 100 * frac, label, eta);
      m_last_line = std::chrono::steady_clock::now();
    }
  }
  void finish() {
    if (m_drawn) std::fputs("\r\033[K", stderr);
    m_drawn = false;
  }

 private:
  static double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  }
  std::string m_task;
  bool m_enabled, m_tty, m_drawn = false;
  double m_every = kLogEverySeconds;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now(), m_last_line = m_start;
};

}  // namespace aimc::cli
