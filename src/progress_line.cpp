// The progress line's text; see progress_line.hpp.
#include "cmbulk/progress_line.hpp"

#include <cstdio>
#include <vector>

namespace cmbulk {

std::string format_duration(std::chrono::milliseconds d) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (s < 0) s = 0;
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>(s % 3600 / 60));
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    return buf;
}

namespace {

std::string head_of(const progress_snapshot& s) {
    char buf[96];
    auto pct = s.total ? static_cast<unsigned>(s.done * 100 / s.total) : 0u;
    std::snprintf(buf, sizeof buf, "%u%% %llu/%llu ", pct, static_cast<unsigned long long>(s.done),
                  static_cast<unsigned long long>(s.total));
    return buf + std::string(s.unit);
}

std::string rate_or_pause(const progress_snapshot& s) {
    if (s.pause_left.count() > 0) {
        auto secs = (s.pause_left.count() + 999) / 1000;
        return "waiting for the server: Retry-After " + std::to_string(secs) + " s";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f req/s", s.requests_per_second);
    return buf;
}

}  // namespace

std::string format_progress(const progress_snapshot& s, std::size_t width) {
    // In order of importance; each is left out when it does not fit.
    std::vector<std::string> parts;
    const bool paused = s.pause_left.count() > 0;
    parts.push_back(head_of(s));
    // A pause the server asked for is why nothing moves: it outranks the clock.
    if (paused) parts.push_back(rate_or_pause(s));
    parts.push_back(format_duration(s.elapsed) + " elapsed");
    if (s.done > 0 && s.total > s.done) {
        auto left =
            s.elapsed * static_cast<long long>(s.total - s.done) / static_cast<long long>(s.done);
        parts.push_back("ETA " + format_duration(left));
    }
    if (!paused) parts.push_back(rate_or_pause(s));
    if (s.failed) parts.push_back(std::to_string(s.failed) + " failed");
    if (s.throttled) parts.push_back(std::to_string(s.throttled) + " x 429");
    if (s.retries) parts.push_back(std::to_string(s.retries) + " retries");

    std::string line = parts.front();
    if (width && line.size() > width) return line.substr(0, width);
    for (std::size_t i = 1; i < parts.size(); ++i) {
        std::string next = line + ", " + parts[i];
        if (width && next.size() > width) continue;  // a shorter, later part may still fit
        line = std::move(next);
    }
    return line;
}

}  // namespace cmbulk
