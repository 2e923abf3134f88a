// Pieces every networked run shares (apply, audit, plan): the run-wide request gate over the
// rate_controller and a retried idempotent read. (The atomic file write is in fs_atomic.hpp.)
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "cmbulk/api.hpp"
#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/row_plan.hpp"

namespace cmbulk {

/// The run-wide gate: every HTTP request the api layer sends waits here first (pacing, and the
/// Retry-After pause of a 429).
class run_gate final : public request_gate {
public:
    run_gate(boost::asio::any_io_executor ex, pacing_params params);
    boost::asio::awaitable<void> before_request() override;
    void after_response(int status, double remaining, double limit,
                        std::optional<std::chrono::milliseconds> retry_after) override;
    /// A 429's body described the server's bucket: pace at its refill rate.
    void apply_hint(const server_rate_hint& h);
    std::uint64_t requests() const { return requests_; }
    std::uint64_t throttled() const { return throttled_; }
    double current_rate() const;

private:
    boost::asio::any_io_executor ex_;
    rate_controller ctl_;
    std::uint64_t requests_ = 0;
    std::uint64_t throttled_ = 0;
};

/// One idempotent read (a GET) with retries: 429 (paced by the gate, up to 30 times), 5xx and
/// transport failures (backoff with full jitter, up to policy.max_attempts, within the run-wide
/// budget). Other answers come back as they are. `attempts` counts the requests made.
boost::asio::awaitable<api_call_result> read_with_retry(
    std::function<boost::asio::awaitable<api_call_result>()> call, run_gate& gate,
    retry_policy& policy, int& attempts);

/// Runs `job(session, i)` for every i in [0, count) on `workers` coroutines, each with its own
/// keep-alive session of `client`. Index 0 runs alone first, so a wrong key costs one refusal,
/// not one per worker. No index is handed out once `stop` is true. Completes when every worker
/// has returned.
boost::asio::awaitable<void> for_each_index(
    api_client& client, int workers, std::size_t count,
    std::function<boost::asio::awaitable<void>(api_session&, std::size_t)> job, const bool& stop);

/// Runs `work` on `ioc` until it completes (then restarts `ioc` for later use). A SIGINT or
/// SIGTERM meanwhile sets `interrupted`; the work is expected to wind down when it sees it.
/// Rethrows the work's exception.
void run_until_done(boost::asio::io_context& ioc,
                    std::function<boost::asio::awaitable<void>()> work, bool& interrupted);

}  // namespace cmbulk
