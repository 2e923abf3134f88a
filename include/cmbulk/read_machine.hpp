// One read (a GET) as a sans-io machine with the retry rules every request follows (retry.hpp:
// classify, decide_retry): `cmbulk plan`'s machine for each row, and the machine of each page
// audit_pager reads. It is told each answer and says whether to send the read again (and after
// how long), until the read is done: the answer it ends with is the page, the "not configured",
// or the failure that was final.
#pragma once

#include "cmbulk/engine.hpp"

namespace cmbulk {

class read_machine {
public:
    explicit read_machine(api_request request);
    item_step start(retry_policy& policy);
    item_step next(api_call_result r, retry_policy& policy);
    /// Once a step said done: the answer the read ended with.
    const api_call_result& result() const { return result_; }
    api_call_result& result() { return result_; }
    /// Requests made (the first and its retries).
    int attempts() const { return attempts_; }

private:
    item_step send_(std::chrono::milliseconds delay, bool retry);

    api_request request_;
    api_call_result result_;
    int attempts_ = 0;
    int failed_ = 0, overloaded_ = 0;  ///< against the allowances (decide_retry)
};

/// "HTTP 403 FORBIDDEN: detail", or "no response: detail": a failed read, for a report.
std::string describe_failure(const api_call_result& r);

}  // namespace cmbulk
