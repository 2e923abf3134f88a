// `--log-format json`: one JSON object per line on stderr for each HTTP request and each finished
// row, and one for the run summary. Pure formatters; the runner writes the lines. No event holds a
// secret: only ids, types, methods, statuses, error codes, API details and timings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "cmbulk/report.hpp"

namespace cmbulk {

/// How cmbulk writes its log lines on stderr.
enum class log_format { text, json };

/// The current UTC time as ISO 8601 with milliseconds ("2024-05-01T12:00:00.123Z").
std::string utc_timestamp();

/// A duration in milliseconds as a plain JSON number with three decimals: 1500us -> "1.500",
/// 12345678us -> "12345.678". No exponent, no locale, always a decimal point (so it reads back as
/// a double).
std::string plain_milliseconds(std::chrono::microseconds d);

/// {"ts","event":"request","line","projectId","type","method","attempt","status","failure",
///  "latencyMs"}; `failure` is the transport failure's name ("" when a response arrived).
std::string json_request_event(std::string_view ts, std::uint64_t line, std::string_view project_id,
                               std::string_view type, std::string_view method, int attempt,
                               int status, std::string_view failure,
                               std::chrono::microseconds latency);

/// {"ts","event":"row","line","projectId","type","action","result","httpStatus","errorCode",
///  "detail","attempts","durationMs"} (the secret's last four characters are left out).
std::string json_row_event(std::string_view ts, const report_row& row);

/// {"ts","event":"summary","rows":{outcome:count...},"requests","throttled","retries",
///  "serverErrors","resets","timeouts","noAnswer","verifyReads","elapsedMs","exitStatus",
///  "latencyP50Ms","latencyP95Ms" (server latency),"queuedP50Ms","queuedP95Ms" (waiting in
///  cmbulk's own gate)}. Every number is written plainly
/// (integers as integers, milliseconds with three decimals).
std::string json_summary_event(std::string_view ts, const run_summary& s, int exit_status);

}  // namespace cmbulk
