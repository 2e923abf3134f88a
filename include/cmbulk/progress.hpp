// Progress on stderr: a live, overprinted line on a terminal; a plain line every few seconds
// otherwise (logs, CI); nothing with --quiet. TERM=dumb counts as "not a terminal".
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace cmbulk {

/// How progress is shown on stderr.
enum class progress_mode { automatic, live, plain, quiet };

class progress_meter {
public:
    progress_meter(std::ostream& out, progress_mode mode);
    void start(std::uint64_t total_rows);
    /// Called every interval() by the run engine: prints the line (items done and failed, HTTP
    /// requests sent, the pace in force: 0 for "found from the server").
    void tick(std::uint64_t done, std::uint64_t failed, std::uint64_t requests, double pace);
    /// Clears the live line.
    void finish();
    std::chrono::milliseconds interval() const;
    bool live() const { return live_; }

private:
    std::ostream& out_;
    bool quiet_;
    bool live_;
    std::uint64_t total_ = 0;
    std::chrono::steady_clock::time_point started_;
    bool printed_live_ = false;
};

}  // namespace cmbulk
