// Progress line; see progress.hpp.
#include "cmbulk/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace cmbulk {

progress_meter::progress_meter(std::ostream& out, progress_mode mode)
    : out_(out), quiet_(mode == progress_mode::quiet) {
    const char* term = std::getenv("TERM");
    bool tty = isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
    live_ = mode == progress_mode::live || (mode == progress_mode::automatic && tty);
    if (mode == progress_mode::plain) live_ = false;
}

void progress_meter::start(std::uint64_t total_rows) {
    total_ = total_rows;
    started_ = std::chrono::steady_clock::now();
}

std::chrono::milliseconds progress_meter::interval() const {
    return live_ ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
}

void progress_meter::tick(std::uint64_t done, std::uint64_t failed, std::uint64_t requests,
                          double pace) {
    if (quiet_) return;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    char eta[32] = "?";
    if (rate > 0 && total_ >= done) {
        auto left = static_cast<long>(static_cast<double>(total_ - done) / rate);
        std::snprintf(eta, sizeof eta, "%ldm%02lds", left / 60, left % 60);
    }
    char line[200];
    std::snprintf(
        line, sizeof line,
        "%llu/%llu rows, %.1f rows/s, %llu requests, %llu failed, pace %s, ETA %s",
        static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate,
        static_cast<unsigned long long>(requests), static_cast<unsigned long long>(failed),
        pace > 0 ? (std::to_string(static_cast<long>(pace)) + "/s").c_str() : "auto", eta);
    if (live_) {
        out_ << "\r\033[K" << line << std::flush;
        printed_live_ = true;
    } else {
        out_ << "progress: " << line << "\n" << std::flush;
    }
}

void progress_meter::finish() {
    if (live_ && printed_live_) out_ << "\r\033[K" << std::flush;
    printed_live_ = false;
}

}  // namespace cmbulk
