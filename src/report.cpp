// The report: the streaming CSV / JSON / JSON Lines writer with an atomic commit
// (temp file, fsync, rename, directory fsync), a reader for the same formats, the latency
// histogram and the run summary text. See report.hpp.
#include "cmbulk/report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cmbulk/csv.hpp"

namespace cmbulk {
namespace {

constexpr std::array<std::string_view, 12> columns{
    "projectId", "type",     "action",     "outcome",     "httpStatus", "errorCode",
    "detail",    "attempts", "durationMs", "secretLast4", "line",       "target"};

/// Never more than four characters of a secret reach a report.
std::string_view clip_last4(std::string_view s) {
    return s.size() > 4 ? s.substr(s.size() - 4) : s;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
    if (s.empty()) {
        out = 0;
        return true;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

/// Fills a row from column values in report_columns() order. Returns an error text or empty.
std::string row_from_fields(const std::vector<std::string>& f, report_row& r) {
    if (f.size() != columns.size())
        return "expected " + std::to_string(columns.size()) + " fields, found " +
               std::to_string(f.size());
    r.project_id = f[0];
    r.type = f[1];
    r.action = f[2];
    auto o = parse_outcome(f[3]);
    if (!o) return "unknown outcome '" + f[3] + "'";
    r.result = *o;
    if (!parse_int(f[4], r.http_status)) return "bad httpStatus";
    r.error_code = f[5];
    r.detail = f[6];
    if (!parse_int(f[7], r.attempts)) return "bad attempts";
    if (!parse_int(f[8], r.duration_ms)) return "bad durationMs";
    r.secret_last4 = f[9];
    if (!parse_int(f[10], r.line)) return "bad line";
    r.target = f[11];
    return {};
}

std::string row_from_json(const boost::json::value& v, report_row& r) {
    if (!v.is_object()) return "not a JSON object";
    const auto& o = v.as_object();
    auto str = [&](std::string_view k, std::string& out) -> bool {
        auto* p = o.if_contains(k);
        if (!p) return true;
        if (!p->is_string()) return false;
        out = std::string(p->as_string());
        return true;
    };
    auto num = [&](std::string_view k, auto& out) -> bool {
        auto* p = o.if_contains(k);
        if (!p) return true;
        if (!p->is_int64() && !p->is_uint64()) return false;
        out = static_cast<std::remove_reference_t<decltype(out)>>(p->to_number<std::int64_t>());
        return true;
    };
    std::string oc;
    if (!str("projectId", r.project_id) || !str("type", r.type) || !str("action", r.action) ||
        !str("outcome", oc) || !str("errorCode", r.error_code) || !str("detail", r.detail) ||
        !str("secretLast4", r.secret_last4) || !str("target", r.target))
        return "a text field is not a string";
    if (!num("httpStatus", r.http_status) || !num("attempts", r.attempts) ||
        !num("durationMs", r.duration_ms) || !num("line", r.line))
        return "a number field is not an integer";
    auto parsed = parse_outcome(oc);
    if (!parsed) return "unknown outcome '" + oc + "'";
    r.result = *parsed;
    return {};
}

std::string lower_ext(const std::filesystem::path& p) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
    return e;
}

}  // namespace

std::optional<report_format> report_format_from_path(const std::filesystem::path& p) {
    auto e = lower_ext(p);
    if (e == ".csv") return report_format::csv;
    if (e == ".json") return report_format::json;
    if (e == ".jsonl" || e == ".ndjson") return report_format::jsonl;
    return std::nullopt;
}

std::span<const std::string_view> report_columns() { return columns; }

std::string to_csv_record(const report_row& r) {
    std::string out;
    out.reserve(96 + r.detail.size());
    csv::append_cell(out, r.project_id);
    out.push_back(',');
    csv::append_cell(out, r.type);
    out.push_back(',');
    csv::append_cell(out, r.action);
    out.push_back(',');
    out.append(to_string(r.result));
    out.push_back(',');
    out.append(std::to_string(r.http_status));
    out.push_back(',');
    csv::append_cell(out, r.error_code);
    out.push_back(',');
    csv::append_cell(out, r.detail);
    out.push_back(',');
    out.append(std::to_string(r.attempts));
    out.push_back(',');
    out.append(std::to_string(r.duration_ms));
    out.push_back(',');
    csv::append_cell(out, clip_last4(r.secret_last4));
    out.push_back(',');
    out.append(std::to_string(r.line));
    out.push_back(',');
    csv::append_cell(out, r.target);
    return out;
}

std::string to_json_object(const report_row& r) {
    boost::json::object o;
    o["projectId"] = r.project_id;
    o["type"] = r.type;
    o["action"] = r.action;
    o["outcome"] = to_string(r.result);
    o["httpStatus"] = r.http_status;
    o["errorCode"] = r.error_code;
    o["detail"] = r.detail;
    o["attempts"] = r.attempts;
    o["durationMs"] = r.duration_ms;
    o["secretLast4"] = clip_last4(r.secret_last4);
    o["line"] = r.line;
    o["target"] = r.target;
    return boost::json::serialize(o);
}

// ---- report_writer ---------------------------------------------------------------------------

report_writer::report_writer(atomic_file file, report_format format)
    : file_(std::move(file)), format_(format) {
    buffer_.reserve(1 << 16);
    if (format_ == report_format::csv) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) buffer_.push_back(',');
            buffer_.append(columns[i]);
        }
        buffer_.push_back('\n');
    } else if (format_ == report_format::json) {
        buffer_.append("[");
    }
}

boost::system::result<std::unique_ptr<report_writer>> report_writer::open(
    std::filesystem::path path, report_format format, std::string& error_message) {
    auto file = atomic_file::create(std::move(path), error_message, 0644, "report");
    if (!file) return file.error();
    return std::unique_ptr<report_writer>(new report_writer(std::move(*file), format));
}

report_writer::~report_writer() = default;  // an uncommitted file_ removes its temporary file

void report_writer::flush_buffer() {
    (void)file_.write(buffer_);  // a failure is kept by file_: commit() refuses
    buffer_.clear();
}

void report_writer::add(const report_row& row) {
    if (file_.committed()) return;
    switch (format_) {
        case report_format::csv:
            buffer_.append(to_csv_record(row));
            buffer_.push_back('\n');
            break;
        case report_format::json:
            buffer_.append(rows_ == 0 ? "\n" : ",\n");
            buffer_.append(to_json_object(row));
            break;
        case report_format::jsonl:
            buffer_.append(to_json_object(row));
            buffer_.push_back('\n');
            break;
    }
    ++rows_;
    if (buffer_.size() >= (1 << 16)) flush_buffer();
}

boost::system::result<void> report_writer::commit() {
    if (file_.committed())
        return boost::system::error_code(EALREADY, boost::system::system_category());
    if (format_ == report_format::json) buffer_.append("\n]\n");
    flush_buffer();
    return file_.commit();
}

// ---- reading a report back --------------------------------------------------------------------

boost::system::result<std::vector<report_row>> read_report(const std::filesystem::path& p,
                                                           std::optional<report_format> format,
                                                           std::string& error_message) {
    using boost::system::error_code;
    auto fmt = format ? format : report_format_from_path(p);
    if (!fmt) {
        error_message = p.string() + ": unknown report format (use .csv, .json or .jsonl)";
        return error_code(EINVAL, boost::system::generic_category());
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        error_message = "cannot open " + p.string();
        return error_code(ENOENT, boost::system::generic_category());
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::vector<report_row> rows;
    auto fail = [&](std::uint64_t line, const std::string& what) {
        error_message = p.string() + ":" + std::to_string(line) + ": " + what;
        return error_code(EINVAL, boost::system::generic_category());
    };

    if (*fmt == report_format::csv) {
        // RFC 4180 (csv.hpp): quoted fields may hold commas, doubled quotes and line breaks.
        auto in = csv::reader::from_text(text);
        csv::record rec;
        if (!in.next(rec)) {
            if (in.fatal()) return fail(in.fatal()->line, csv::message(in.fatal()->code));
            return fail(1, "empty report (no header)");
        }
        if (!std::equal(rec.cells.begin(), rec.cells.end(), columns.begin(), columns.end()))
            return fail(rec.line, "unexpected header");
        while (in.next(rec)) {
            if (!rec.problems.empty()) return fail(rec.line, csv::message(rec.problems[0].code));
            report_row r;
            if (auto err = row_from_fields(rec.cells, r); !err.empty()) return fail(rec.line, err);
            rows.push_back(std::move(r));
        }
        if (in.fatal()) return fail(in.fatal()->line, csv::message(in.fatal()->code));
        return rows;
    }

    if (*fmt == report_format::json) {
        boost::system::error_code ec;
        auto v = boost::json::parse(text, ec);
        if (ec) return fail(1, "invalid JSON: " + ec.message());
        if (!v.is_array()) return fail(1, "expected a JSON array");
        std::uint64_t i = 0;
        for (const auto& e : v.as_array()) {
            ++i;
            report_row r;
            if (auto err = row_from_json(e, r); !err.empty())
                return fail(1, "element " + std::to_string(i) + ": " + err);
            rows.push_back(std::move(r));
        }
        return rows;
    }

    // JSON Lines: one object per line; blank lines are ignored.
    std::uint64_t line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view l(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        ++line;
        if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        boost::system::error_code ec;
        auto v = boost::json::parse(l, ec);
        if (ec) return fail(line, "invalid JSON: " + ec.message());
        report_row r;
        if (auto err = row_from_json(v, r); !err.empty()) return fail(line, err);
        rows.push_back(std::move(r));
    }
    return rows;
}

// ---- latency histogram ------------------------------------------------------------------------

namespace {
// Bucket i >= 1 holds [g^(i-1), g^i) microseconds, g = 1.02; bucket 0 holds 0 us.
constexpr double growth = 1.02;
const double log_growth = std::log(growth);
}  // namespace

void latency_histogram::add(std::chrono::microseconds d) {
    auto us = std::max<std::int64_t>(d.count(), 0);
    std::size_t i = 0;
    if (us > 0) {
        // Nudge by an epsilon so exact powers of g land in their own bucket despite rounding.
        double idx = std::floor(std::log(static_cast<double>(us)) / log_growth + 1e-9) + 1;
        i = static_cast<std::size_t>(std::min<double>(idx, bucket_count - 1));
    }
    ++buckets_[i];
    ++count_;
    max_ = std::max(max_, std::chrono::microseconds(us));
}

std::chrono::microseconds latency_histogram::percentile(double p) const {
    if (count_ == 0) return std::chrono::microseconds(0);
    p = std::clamp(p, 0.0, 100.0);
    // The rank of the p-th percentile (nearest-rank method), at least 1.
    auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * count_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            if (i == 0) return std::chrono::microseconds(0);
            // The bucket's geometric middle: within ~1% of any value in it.
            double lo = std::pow(growth, static_cast<double>(i - 1));
            double mid = lo * std::sqrt(growth);
            auto v = static_cast<std::int64_t>(std::llround(mid));
            return std::min(std::chrono::microseconds(std::max<std::int64_t>(v, 1)), max_);
        }
    }
    return max_;
}

// ---- summary ----------------------------------------------------------------------------------

namespace {
std::string fixed1(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}
std::string human_latency(std::chrono::microseconds us) {
    if (us.count() < 1000) return std::to_string(us.count()) + " us";
    if (us.count() < 10'000) return fixed1(static_cast<double>(us.count()) / 1000.0) + " ms";
    return std::to_string((us.count() + 500) / 1000) + " ms";
}
}  // namespace

void request_tally::add(const request_record& r) {
    if (r.retry) ++retries;
    if (r.verify_read) ++verify_reads;
    if (r.http_requests <= 0) return;
    auto n = static_cast<std::uint64_t>(r.http_requests);
    requests += n;
    answered += n - 1;  // a Digest challenge before the last one was answered (401)
    bool transport = r.failure != attempt_failure::none;
    if (r.status == 429) {
        ++throttled;
    } else if (r.status >= 500) {
        ++server_errors;
    } else if (r.failure == attempt_failure::reset_before_send ||
               r.failure == attempt_failure::reset_after_send) {
        ++resets;
    } else if (r.failure == attempt_failure::timeout) {
        ++timeouts;
    } else if (transport || r.status == 0) {
        ++no_answer;
    } else {
        ++answered;
    }
    errors = server_errors + resets + timeouts + no_answer;
}

void run_summary::on_request(const request_record& r) {
    calls.add(r);
    if (r.retry) ++retries;
    if (r.http_requests > 0) {
        latency.add(r.latency);
        queued.add(r.queued);
    }
}

std::string format_summary(const run_summary& s) {
    std::string out;
    std::uint64_t done = 0;
    for (auto& [o, n] : s.counts) done += n;
    out += "rows " + std::to_string(std::max(done, s.total_rows)) + ":";
    bool first = true;
    for (auto o : all_outcomes()) {
        auto it = s.counts.find(o);
        if (it == s.counts.end() || it->second == 0) continue;
        out += first ? " " : ", ";
        first = false;
        out += std::string(to_string(o)) + " " + std::to_string(it->second);
    }
    if (first) out += " none finished";
    out += "\n";
    double secs = static_cast<double>(s.elapsed.count()) / 1000.0;
    out += "requests " + std::to_string(s.requests) + " (" + std::to_string(s.throttled) +
           " x 429, " + std::to_string(s.retries) + (s.retries == 1 ? " retry" : " retries") +
           ") in " + fixed1(secs) + " s";
    if (secs > 0) out += ", " + fixed1(static_cast<double>(s.requests) / secs) + " req/s";
    out += "\n";
    const auto& c = s.calls;
    if (c.errors > 0)
        out += "errors " + std::to_string(c.server_errors) + " x 5xx, " + std::to_string(c.resets) +
               (c.resets == 1 ? " connection reset, " : " connection resets, ") +
               std::to_string(c.timeouts) + (c.timeouts == 1 ? " timeout, " : " timeouts, ") +
               std::to_string(c.no_answer) + " without an answer\n";
    if (c.verify_reads > 0) out += "verify read-backs " + std::to_string(c.verify_reads) + "\n";
    auto spread = [](const latency_histogram& h) {
        return "p50 " + human_latency(h.percentile(50)) + ", p95 " +
               human_latency(h.percentile(95)) + ", max " + human_latency(h.max());
    };
    if (s.latency.count() > 0) out += "server latency " + spread(s.latency) + "\n";
    if (s.queued.count() > 0) out += "queued in cmbulk " + spread(s.queued) + "\n";
    for (auto& [type, n] : s.exists_differs_types)
        out += std::to_string(n) + (n == 1 ? " row already had " : " rows already had ") + type +
               " configured with other values: nothing changed; use --action update or upsert\n";
    return out;
}

}  // namespace cmbulk
