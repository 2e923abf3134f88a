// libFuzzer target: what the client makes of a server's response body and headers — the API
// error-body parser, the non-JSON body description, the 429 rate-hint reader (on any JSON the
// body parses to), the Retry-After parser, and json_util::is_json against boost::json::parse (a
// successful write's body is only validated), and what an emitted seed's limits learn of a
// rateLimits answer or a 429 body (learned_limits.hpp: only buckets the simulator can take).
// All are pure; none may crash or return nonsense.
#include <boost/json/parse.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cmbulk/api.hpp"
#include "cmbulk/json_util.hpp"
#include "cmbulk/learned_limits.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/retry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto e = cmbulk::parse_error_body(text)) {
        (void)e->error_code.size();
    }
    auto description = cmbulk::describe_non_json(text);
    if (description.size() > 4096) std::abort();  // a description, not the body

    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    // The validate-only check used for successful writes must agree with the full parse.
    if (cmbulk::json_util::is_json(text) != !ec) std::abort();
    if (!ec) {
        if (auto hint = cmbulk::parse_rate_hint(v)) {
            if (!std::isfinite(hint->capacity) || !std::isfinite(hint->refill_per_second) ||
                hint->capacity < 0 || hint->refill_per_second < 0)
                std::abort();
        }
        cmbulk::limit_learning learned;
        learned.learn_table(v);
        if (auto hint = cmbulk::parse_rate_hint(v))
            learned.learn_refusal("api/atlas/v2/groups/{groupId}/integrations", *hint);
        for (auto& l : learned.limits())
            if (l.set.empty() || l.scope.empty() || !(l.capacity >= 1) ||
                !std::isfinite(l.capacity) || !(l.refill > 0) || !std::isfinite(l.refill) ||
                l.period_seconds < 1)
                std::abort();
    }

    using namespace std::chrono;
    const auto cap = minutes(10);
    const auto now = system_clock::time_point(seconds(1'700'000'000));
    if (auto d = cmbulk::parse_retry_after(text, cap, now)) {
        if (*d < milliseconds(0) || *d > cap) std::abort();
    }
    return 0;
}
