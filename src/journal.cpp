// The checkpoint journal: record serialization, the append-only writer (one write(2) per record,
// periodic fsync, atomic creation), header comparison for --resume, and the journal's error
// category. The replay is in journal_replay.cpp. See journal.hpp.
#include "cmbulk/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "cmbulk/fs_atomic.hpp"
#include "journal_detail.hpp"

namespace cmbulk {

namespace detail {
boost::system::error_code journal_error(diagnostics& diag, journal_errc e,
                                        const std::filesystem::path& path, std::uint64_t line,
                                        std::string message) {
    diag.file = path.string();
    diag.line = line;
    diag.field.clear();
    diag.message = std::move(message);
    return make_error_code(e);
}
}  // namespace detail

namespace {

using boost::system::error_code;
using detail::clip_last4;
using detail::journal_error;

error_code sys_ec(int err) { return error_code(err, boost::system::system_category()); }

class journal_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.journal"; }
    std::string message(int v) const override {
        // In the order of journal_errc.
        static constexpr const char* text[] = {"no error",
                                               "cannot open the journal",
                                               "cannot read the journal",
                                               "empty journal",
                                               "not a valid journal header",
                                               "unsupported journal format version",
                                               "invalid journal record",
                                               "journal record contradicts an earlier one",
                                               "cannot write the journal",
                                               "cannot repair the journal's torn tail"};
        return v >= 0 && v < static_cast<int>(std::size(text)) ? text[v] : "journal error";
    }
};

/// write(2) all of `s`; a regular file takes it in one call unless the disk is full.
int write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        auto n = ::write(fd, s.data(), s.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

std::string now_iso8601() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// One compact JSON object written key by key. The journal writes two records per row; a
/// boost::json::object per record cost more CPU than the request it records (profiled).
class record_builder {
public:
    record_builder() { out_.reserve(192); }  // one allocation for a usual record
    record_builder& text(std::string_view key, std::string_view v) {
        key_(key);
        // Plain text (the usual case: ids, types, codes) is copied as is; anything a JSON string
        // must escape goes through Boost.JSON's serializer.
        // (Without a branch per byte: this runs for every field of every record.)
        unsigned special = 0;
        for (unsigned char c : v)
            special |= unsigned(c < 0x20) | unsigned(c == '"') | unsigned(c == '\\');
        if (!special) {
            out_.append(1, '"').append(v).append(1, '"');
        } else {
            out_ += boost::json::serialize(boost::json::string_view(v.data(), v.size()));
        }
        return *this;
    }
    record_builder& number(std::string_view key, std::int64_t v) { return digits_(key, v); }
    record_builder& number(std::string_view key, std::uint64_t v) { return digits_(key, v); }
    record_builder& row(const journal_row_ref& r) {
        number("row", r.row).number("line", r.line).text("p", r.project_id).text("t", r.type);
        text("a", r.action);
        return r.step.empty() ? *this : text("st", r.step);
    }
    /// `json` is already serialized JSON.
    record_builder& raw(std::string_view key, std::string_view json) {
        key_(key);
        out_ += json;
        return *this;
    }
    std::string done() {
        out_ += '}';
        return std::move(out_);
    }

private:
    template <class Int>
    record_builder& digits_(std::string_view key, Int v) {
        key_(key);
        char buf[24];
        auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        out_.append(buf, end);
        return *this;
    }
    void key_(std::string_view key) {
        // Keys are our own constants: nothing to escape.
        out_.append(out_.empty() ? "{\"" : ",\"").append(key).append("\":");
    }
    std::string out_;
};
}  // namespace

// ---- serialization -----------------------------------------------------------------------------

std::string journal_header_line(const journal_header& h) {
    boost::json::object o;
    o["cmbulkJournal"] = h.format_version;
    if (h.command != "apply" && !h.command.empty()) o["command"] = h.command;
    o["toolVersion"] = h.tool_version;
    o["manifestSha256"] = h.manifest_sha256;
    o["action"] = h.action;
    o["flavor"] = h.flavor;
    o["baseUrl"] = h.base_url;
    boost::json::object opts;
    for (auto& [k, v] : h.options) opts[k] = v;
    o["options"] = std::move(opts);
    o["createdAt"] = h.created_at;
    return boost::json::serialize(o);
}

std::string journal_intent_line(const journal_row_ref& row, std::string_view method,
                                journal_before_image before) {
    record_builder b;
    b.text("k", "intent").row(row).text("m", method);
    if (before.recorded) b.raw("b", before.image ? boost::json::serialize(*before.image) : "null");
    return b.done();
}

std::string journal_outcome_line(const journal_row_ref& row, const journal_outcome& oc) {
    record_builder b;
    b.text("k", "outcome").row(row).text("o", to_string(oc.result));
    // Compact: zero status and empty texts are left out (replay defaults them).
    if (oc.http_status) b.number("s", std::int64_t{oc.http_status});
    if (!oc.error_code.empty()) b.text("e", oc.error_code);
    if (!oc.detail.empty()) b.text("d", oc.detail);
    b.number("n", std::int64_t{oc.attempts});
    b.number("ms", std::int64_t{oc.duration_ms});
    if (!oc.secret_last4.empty()) b.text("l4", clip_last4(oc.secret_last4));
    return b.done();
}

std::string journal_item_line(std::string_view key, const boost::json::value& value) {
    return record_builder()
        .text("k", "item")
        .text("key", key)
        .raw("v", boost::json::serialize(value))
        .done();
}

std::string journal_before_line(const journal_row_ref& row, const boost::json::object* before,
                                const boost::json::value* wrote) {
    record_builder b;
    b.text("k", "before")
        .row(row)
        .raw("b", before ? boost::json::serialize(*before) : std::string("null"));
    if (wrote && !wrote->is_null()) b.raw("w", boost::json::serialize(*wrote));
    return b.done();
}

// ---- writer ------------------------------------------------------------------------------------

journal_writer::journal_writer(std::filesystem::path path, int fd,
                               std::chrono::milliseconds fsync_interval)
    : path_(std::move(path)),
      fd_(fd),
      fsync_interval_(fsync_interval),
      last_sync_(std::chrono::steady_clock::now()) {}

journal_writer::~journal_writer() { close(); }

boost::system::result<std::unique_ptr<journal_writer>> journal_writer::create(
    std::filesystem::path path, const journal_header& header, diagnostics& diag,
    std::chrono::milliseconds fsync_interval) {
    auto h = header;
    if (h.created_at.empty()) h.created_at = now_iso8601();
    // Written whole to a temporary file, fsynced, renamed, the directory fsynced: the journal
    // exists whole or not at all. The descriptor stays open for the appends.
    std::string message;
    auto file = atomic_file::create(path, message, 0600, "journal");
    if (!file) return journal_error(diag, journal_errc::open_failed, path, 0, message);
    auto written = file->write(journal_header_line(h) + "\n");
    auto fd = written ? file->commit_keep_open() : boost::system::result<int>(written.error());
    if (!fd) return journal_error(diag, journal_errc::write_failed, path, 0, file->error_message());
    return std::unique_ptr<journal_writer>(
        new journal_writer(std::move(path), *fd, fsync_interval));
}

boost::system::result<std::unique_ptr<journal_writer>> journal_writer::open_append(
    std::filesystem::path path, diagnostics& diag, journal_replay* replay,
    std::chrono::milliseconds fsync_interval) {
    auto r = replay_journal(path, diag);
    if (!r) return r.error();
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return journal_error(
            diag, journal_errc::open_failed, path, 0,
            std::string("cannot open the journal for appending: ") + std::strerror(errno));
    if (r->torn_tail_repaired) {
        // Cut the torn line off before anything is appended, and make the cut durable.
        if (::ftruncate(fd, static_cast<off_t>(r->valid_bytes)) != 0 || ::fsync(fd) != 0) {
            int err = errno;
            ::close(fd);
            return journal_error(
                diag, journal_errc::repair_failed, path, 0,
                std::string("cannot cut off the torn tail: ") + std::strerror(err));
        }
    }
    if (replay) *replay = std::move(*r);
    return std::unique_ptr<journal_writer>(new journal_writer(std::move(path), fd, fsync_interval));
}

boost::system::result<void> journal_writer::append(const std::string& line) {
    if (fd_ < 0) return sys_ec(EBADF);
    if (int err = write_all(fd_, line)) {
        // A partial record may now end the file: refuse further writes so it stays the tail
        // (replay drops it as torn).
        ::close(fd_);
        fd_ = -1;
        return sys_ec(err);
    }
    ++records_;
    dirty_ = true;
    auto now = std::chrono::steady_clock::now();
    if (fsync_interval_.count() <= 0 || now - last_sync_ >= fsync_interval_) return sync();
    return {};
}

boost::system::result<void> journal_writer::write_intent(const journal_row_ref& row,
                                                         std::string_view method,
                                                         journal_before_image before) {
    auto line = journal_intent_line(row, method, before);
    line += '\n';
    return append(line);
}

boost::system::result<void> journal_writer::write_outcome(const journal_row_ref& row,
                                                          const journal_outcome& o) {
    auto line = journal_outcome_line(row, o);
    line += '\n';
    return append(line);
}

boost::system::result<void> journal_writer::write_before(const journal_row_ref& row,
                                                         const boost::json::object* before,
                                                         const boost::json::value* wrote) {
    auto line = journal_before_line(row, before, wrote);
    line += '\n';
    return append(line);
}

boost::system::result<void> journal_writer::write_item(std::string_view key,
                                                       const boost::json::value& value) {
    auto line = journal_item_line(key, value);
    line += '\n';
    return append(line);
}

boost::system::result<void> journal_writer::sync() {
    if (fd_ < 0) return sys_ec(EBADF);
    last_sync_ = std::chrono::steady_clock::now();
    if (!dirty_) return {};
    if (::fsync(fd_) != 0) return sys_ec(errno);
    dirty_ = false;
    return {};
}

void journal_writer::close() {
    if (fd_ < 0) return;
    if (dirty_) ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
}

// ---- header comparison -------------------------------------------------------------------------

const boost::system::error_category& journal_category() {
    static const journal_category_impl c;
    return c;
}

std::vector<std::string> compare_headers(const journal_header& saved, const journal_header& now) {
    std::vector<std::string> out;
    if (saved.command != now.command)
        out.push_back("command differs: " + saved.command + " vs " + now.command);
    auto short_hash = [](const std::string& h) {
        return h.size() > 12 ? h.substr(0, 12) + "..." : h;
    };
    if (saved.format_version != now.format_version)
        out.push_back("journal format differs: version " + std::to_string(saved.format_version) +
                      " vs " + std::to_string(now.format_version));
    if (saved.manifest_sha256 != now.manifest_sha256)
        out.push_back("manifest changed (sha256 " + short_hash(saved.manifest_sha256) + " vs " +
                      short_hash(now.manifest_sha256) + ")");
    if (saved.action != now.action)
        out.push_back("action differs: " + saved.action + " vs " + now.action);
    if (saved.flavor != now.flavor)
        out.push_back("flavor differs: " + saved.flavor + " vs " + now.flavor);
    if (saved.base_url != now.base_url)
        out.push_back("base URL differs: " + saved.base_url + " vs " + now.base_url);
    // Options: the union of both key sets, in order.
    auto a = saved.options.begin(), b = now.options.begin();
    while (a != saved.options.end() || b != now.options.end()) {
        if (b == now.options.end() || (a != saved.options.end() && a->first < b->first)) {
            out.push_back("option " + a->first + " was " + a->second + ", now not set");
            ++a;
        } else if (a == saved.options.end() || b->first < a->first) {
            out.push_back("option " + b->first + " was not set, now " + b->second);
            ++b;
        } else {
            if (a->second != b->second)
                out.push_back("option " + a->first + " differs: " + a->second + " vs " + b->second);
            ++a;
            ++b;
        }
    }
    return out;
}

}  // namespace cmbulk
