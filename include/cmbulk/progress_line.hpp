// The text of the progress line, pure: from a snapshot of the run's counters to one line that is
// never wider than the terminal (the least important parts are left out first, never wrapped).
// During a pause the server asked for it says so instead of showing a rate of zero.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cmbulk {

/// What the progress line shows.
struct progress_snapshot {
    std::uint64_t done = 0, total = 0, failed = 0;  ///< items (rows, or projects for audit)
    std::uint64_t requests = 0, throttled = 0, retries = 0;
    double requests_per_second = 0;  ///< over the last few seconds
    std::chrono::milliseconds elapsed{0};
    std::chrono::milliseconds pause_left{0};  ///< > 0 while waiting out a Retry-After
    std::string_view unit = "rows";
};

/// "42% 420/1000 rows, 12s elapsed, ETA 17s, 35 req/s, 2 failed, 3 x 429, 5 retries". Parts
/// are dropped from the right (failed is kept before retries and 429s) until the line fits in
/// `width` columns; `width` 0 means no limit (plain lines in logs). During a Retry-After pause
/// "waiting for the server: Retry-After 12 s" comes right after the counts, instead of the rate.
std::string format_progress(const progress_snapshot& s, std::size_t width);

/// "1h02m", "3m05s", "12s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace cmbulk
