// The request gate: the interface the api layer calls before every HTTP request it sends and
// after every response, so that one pacer (the run engine's) sees all traffic. A leaf: it knows
// nothing of who implements it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>

namespace cmbulk {

/// Called by the api layer before EVERY HTTP request it sends (including digest challenges, stale
/// retries and token requests) and after every response; the runner implements it with its token
/// bucket / adaptive pacer / global 429 pause.
class request_gate {
public:
    virtual ~request_gate() = default;
    virtual boost::asio::awaitable<void> before_request() = 0;
    /// status 0 when no response arrived; remaining/limit = RateLimit-Remaining/-Limit or -1 when
    /// absent.
    virtual void after_response(int status, double remaining, double limit,
                                std::optional<std::chrono::milliseconds> retry_after) = 0;
};

/// A gate that lets everything through (tests, one-off tools).
class open_gate final : public request_gate {
public:
    boost::asio::awaitable<void> before_request() override;
    void after_response(int, double, double, std::optional<std::chrono::milliseconds>) override {}
};

}  // namespace cmbulk
