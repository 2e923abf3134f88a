// The plan_response builders the row_plan unit tests share (test_row_plan.cpp: the request
// sequences and retries; test_row_plan_checks.cpp: --skip-unchanged, --verify, access, merges).
#pragma once

#include <string>

#include "cmbulk/row_plan.hpp"

namespace cmbulk::test {

inline retry_policy make_policy(int max_attempts = 5) {
    retry_policy p;
    p.max_attempts = max_attempts;
    p.backoff.base = std::chrono::milliseconds(100);
    p.backoff.cap = std::chrono::milliseconds(1000);
    p.rng.seed(42);
    return p;
}
inline plan_response ok(int status = 200) {
    plan_response r;
    r.status = status;
    return r;
}
inline plan_response api_error(int status, std::string code) {
    plan_response r;
    r.status = status;
    r.error = parse_api_errc(code);
    r.error_code = std::move(code);
    r.detail = "detail";
    return r;
}
inline plan_response transport(attempt_failure f) {
    plan_response r;
    r.failure = f;
    r.detail = "connection reset";
    return r;
}
inline plan_response found(std::string last4) {
    auto r = ok(200);
    r.found_secret_last4 = std::move(last4);
    return r;
}

}  // namespace cmbulk::test
