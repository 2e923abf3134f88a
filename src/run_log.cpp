// JSON Lines log events of `--log-format json` (see run_log.hpp). Boost.JSON does the escaping;
// durations are written here as plain decimals (Boost.JSON would print 1.5 as 1.5E0).
#include "cmbulk/run_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>

namespace cmbulk {

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
    return out;
}

std::string plain_milliseconds(std::chrono::microseconds d) {
    auto us = d.count();
    std::string sign = us < 0 ? "-" : "";
    if (us < 0) us = -us;
    auto frac = std::to_string(us % 1000);
    // std::to_string of an integer never uses the locale (no grouping, no other digits).
    return sign + std::to_string(us / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

namespace {

/// The serialized object with `"name":number` members appended (the numbers already plain).
std::string with_numbers(const boost::json::object& o,
                         std::initializer_list<std::pair<std::string_view, std::string>> numbers) {
    std::string out = boost::json::serialize(o);
    out.pop_back();  // the closing brace
    for (auto& [name, number] : numbers) {
        if (out.size() > 1) out += ',';
        out += boost::json::serialize(boost::json::string_view(name.data(), name.size()));
        out += ':';
        out += number;
    }
    out += '}';
    return out;
}

}  // namespace

std::string json_request_event(std::string_view ts, std::uint64_t line, std::string_view project_id,
                               std::string_view type, std::string_view method, int attempt,
                               int status, std::string_view failure,
                               std::chrono::microseconds latency) {
    boost::json::object o;
    o["ts"] = ts;
    o["event"] = "request";
    o["line"] = line;
    o["projectId"] = project_id;
    o["type"] = type;
    o["method"] = method;
    o["attempt"] = attempt;
    o["status"] = status;
    o["failure"] = failure;
    return with_numbers(o, {{"latencyMs", plain_milliseconds(latency)}});
}

std::string json_row_event(std::string_view ts, const report_row& r) {
    boost::json::object o;
    o["ts"] = ts;
    o["event"] = "row";
    o["line"] = r.line;
    o["projectId"] = r.project_id;
    o["type"] = r.type;
    o["action"] = r.action;
    o["result"] = to_string(r.result);
    o["httpStatus"] = r.http_status;
    o["errorCode"] = r.error_code;
    o["detail"] = r.detail;
    o["attempts"] = r.attempts;
    o["durationMs"] = r.duration_ms;
    return boost::json::serialize(o);
}

std::string json_summary_event(std::string_view ts, const run_summary& s, int exit_status) {
    boost::json::object o;
    o["ts"] = ts;
    o["event"] = "summary";
    boost::json::object rows;
    for (auto& [k, n] : s.counts)
        if (n) rows[to_string(k)] = n;
    o["rows"] = std::move(rows);
    o["requests"] = s.requests;
    o["throttled"] = s.throttled;
    o["retries"] = s.retries;
    o["serverErrors"] = s.calls.server_errors;
    o["resets"] = s.calls.resets;
    o["timeouts"] = s.calls.timeouts;
    o["noAnswer"] = s.calls.no_answer;
    o["verifyReads"] = s.calls.verify_reads;
    o["elapsedMs"] = s.elapsed.count();
    o["exitStatus"] = exit_status;
    return with_numbers(o, {{"latencyP50Ms", plain_milliseconds(s.latency.percentile(50))},
                            {"latencyP95Ms", plain_milliseconds(s.latency.percentile(95))},
                            {"queuedP50Ms", plain_milliseconds(s.queued.percentile(50))},
                            {"queuedP95Ms", plain_milliseconds(s.queued.percentile(95))}});
}

}  // namespace cmbulk
