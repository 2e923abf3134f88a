// The faults cmbulk-sim can inject into authenticated API requests, by name, and the
// reproducible draw that decides, from a seed and the request's number, which fault (and how
// much added latency) a request gets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

namespace cmbulk::sim {

/// The faults the simulator can inject into authenticated API requests.
enum class fault_kind {
    none,
    http_500,       ///< "500": 500 UNEXPECTED_ERROR (JSON body), change not applied
    http_503_html,  ///< "503-html": 503 with an HTML page, change not applied
    http_429,       ///< "429": a spurious 429 RATE_LIMITED with Retry-After, change not applied
    reset_before,   ///< "reset-before": connection reset, change not applied
    reset_after,    ///< "reset-after": change applied, then connection reset without an answer
    stall,          ///< "stall": never answered (change not applied); held until the client closes
    truncate,       ///< "truncate": change applied, headers and half the body sent, then closed
};

/// "500", "503-html", "429", "reset-before", "reset-after", "stall", "truncate" ("" for none).
std::string_view to_string(fault_kind k);
/// The kind of that name, or nullopt.
std::optional<fault_kind> parse_fault_kind(std::string_view s);

/// What request number `seq` draws.
struct fault_draw {
    fault_kind kind = fault_kind::none;
    std::chrono::milliseconds delay{0};  ///< latency plus its jitter
};

/// The same settings and `seq` always draw the same fault and delay: `faults` gives each kind's
/// probability (their sum at most 1), `seed` the PRNG, `latency` plus uniform 0..`jitter` the
/// added delay.
fault_draw draw_fault(const std::map<fault_kind, double>& faults, std::uint64_t seed,
                      std::chrono::milliseconds latency, std::chrono::milliseconds jitter,
                      std::uint64_t seq);

/// The PRNG step behind the draws, the nonces and the tokens (SplitMix64).
std::uint64_t splitmix64(std::uint64_t x);

}  // namespace cmbulk::sim
