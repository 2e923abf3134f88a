// The checkpoint journal: record serialization, streaming replay with torn-tail detection and
// strict errors elsewhere, the append-only writer (one write(2) per record, periodic fsync, atomic
// creation) and header comparison for --resume. See journal.hpp.
#include "cmbulk/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "cmbulk/fs_atomic.hpp"

namespace cmbulk {
namespace {

using boost::system::error_code;

error_code sys_ec(int err) { return error_code(err, boost::system::system_category()); }
error_code bad_journal() { return error_code(EINVAL, boost::system::generic_category()); }

std::string_view clip_last4(std::string_view s) {
    return s.size() > 4 ? s.substr(s.size() - 4) : s;
}

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
        bool plain = std::none_of(v.begin(), v.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
        });
        if (plain) {
            out_ += '"';
            out_ += v;
            out_ += '"';
        } else {
            out_ += boost::json::serialize(boost::json::string_view(v.data(), v.size()));
        }
        return *this;
    }
    record_builder& number(std::string_view key, std::int64_t v) {
        key_(key);
        out_ += std::to_string(v);
        return *this;
    }
    record_builder& number(std::string_view key, std::uint64_t v) {
        key_(key);
        out_ += std::to_string(v);
        return *this;
    }
    record_builder& row(const journal_row_ref& r) {
        return number("row", r.row)
            .number("line", r.line)
            .text("p", r.project_id)
            .text("t", r.type)
            .text("a", r.action);
    }
    std::string done() {
        out_ += '}';
        return std::move(out_);
    }

private:
    void key_(std::string_view key) {
        out_ += out_.empty() ? '{' : ',';
        out_ += '"';
        out_ += key;  // keys are our own constants: nothing to escape
        out_ += "\":";
    }
    std::string out_;
};

// ---- parsing --------------------------------------------------------------------------------

/// A typed view of one parsed line; each getter reports a wrong type as an error text.
struct fields {
    const boost::json::object& o;
    std::string err;
    /// A view into the parsed line (valid while the value lives).
    std::string_view sv(std::string_view k, bool required) {
        auto* v = o.if_contains(k);
        if (!v) {
            if (required && err.empty()) err = "missing \"" + std::string(k) + "\"";
            return {};
        }
        if (!v->is_string()) {
            if (err.empty()) err = "\"" + std::string(k) + "\" is not a string";
            return {};
        }
        auto& str = v->get_string();
        return std::string_view(str.data(), str.size());
    }
    std::string str(std::string_view k, bool required) { return std::string(sv(k, required)); }
    std::int64_t num(std::string_view k, bool required) {
        auto* v = o.if_contains(k);
        if (!v) {
            if (required && err.empty()) err = "missing \"" + std::string(k) + "\"";
            return 0;
        }
        if ((!v->is_int64() && !v->is_uint64()) || (v->is_int64() && v->as_int64() < 0)) {
            if (err.empty()) err = "\"" + std::string(k) + "\" is not a non-negative integer";
            return 0;
        }
        return v->to_number<std::int64_t>();
    }
};

std::string parse_header(const boost::json::value& v, journal_header& h) {
    if (!v.is_object() || !v.as_object().contains("cmbulkJournal"))
        return "not a cmbulk journal header (expected {\"cmbulkJournal\":1,...})";
    fields f{v.as_object(), {}};
    h.format_version = static_cast<int>(f.num("cmbulkJournal", true));
    if (!f.err.empty()) return f.err;
    if (h.format_version != journal_format_version)
        return "unsupported journal format version " + std::to_string(h.format_version) +
               " (this build reads version " + std::to_string(journal_format_version) + ")";
    h.tool_version = f.str("toolVersion", false);
    h.manifest_sha256 = f.str("manifestSha256", true);
    h.action = f.str("action", true);
    h.flavor = f.str("flavor", false);
    h.base_url = f.str("baseUrl", false);
    h.created_at = f.str("createdAt", false);
    if (auto* opts = v.as_object().if_contains("options")) {
        if (!opts->is_object()) return "\"options\" is not an object";
        for (auto& [k, val] : opts->as_object()) {
            if (!val.is_string()) return "option \"" + std::string(k) + "\" is not a string";
            h.options.emplace(std::string(k), std::string(val.as_string()));
        }
    }
    return f.err;
}

/// Replay state: rows by index while reading, sorted into a vector at the end.
struct replay_state {
    journal_replay out;
    std::unordered_map<std::uint64_t, std::size_t> index;

    std::string apply(const boost::json::value& v) {
        if (!v.is_object()) return "a record must be a JSON object";
        fields f{v.as_object(), {}};
        auto kind = f.sv("k", true);
        if (!f.err.empty()) return f.err;
        if (kind != "intent" && kind != "outcome")
            return "unknown record kind \"" + std::string(kind) + "\"";
        auto row = static_cast<std::uint64_t>(f.num("row", true));
        auto line = static_cast<std::uint64_t>(f.num("line", false));
        auto p = f.sv("p", true);
        auto t = f.sv("t", true);
        auto a = f.sv("a", false);
        if (!f.err.empty()) return f.err;

        auto [it, fresh] = index.try_emplace(row, out.rows.size());
        if (fresh) {
            journal_row_state s;
            s.row = row;
            s.line = line;
            s.project_id = p;
            s.type = t;
            s.action = a;
            out.rows.push_back(std::move(s));
        }
        auto& s = out.rows[it->second];
        if (!fresh && (s.project_id != p || s.type != t))
            return "row " + std::to_string(row) + " was " + s.project_id + " " + s.type +
                   " earlier in the journal, here it is " + std::string(p) + " " + std::string(t);
        if (!a.empty() && s.action != a) s.action = a;

        if (kind == "intent") {
            auto m = f.sv("m", true);
            if (!f.err.empty()) return f.err;
            s.intent_open = true;
            s.intent_method = m;
            ++s.intents;
        } else {
            journal_outcome o;
            auto name = f.sv("o", true);
            if (!f.err.empty()) return f.err;
            auto parsed = parse_outcome(name);
            if (!parsed) return "unknown outcome \"" + std::string(name) + "\"";
            o.result = *parsed;
            o.http_status = static_cast<int>(f.num("s", false));
            o.error_code = f.str("e", false);
            o.detail = f.str("d", false);
            o.attempts = static_cast<int>(f.num("n", false));
            o.duration_ms = f.num("ms", false);
            o.secret_last4 = std::string(clip_last4(f.sv("l4", false)));
            if (!f.err.empty()) return f.err;
            s.intent_open = false;
            s.last_outcome = std::move(o);
        }
        ++out.records;
        return {};
    }
};

}  // namespace

// ---- serialization -----------------------------------------------------------------------------

std::string journal_header_line(const journal_header& h) {
    boost::json::object o;
    o["cmbulkJournal"] = h.format_version;
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

std::string journal_intent_line(const journal_row_ref& row, std::string_view method) {
    return record_builder().text("k", "intent").row(row).text("m", method).done();
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

// ---- replay ------------------------------------------------------------------------------------

const journal_row_state* journal_replay::find(std::uint64_t row) const {
    auto it =
        std::lower_bound(rows.begin(), rows.end(), row,
                         [](const journal_row_state& s, std::uint64_t r) { return s.row < r; });
    return it != rows.end() && it->row == row ? &*it : nullptr;
}

boost::system::result<journal_replay> replay_journal(const std::filesystem::path& path,
                                                     std::string& error_message) {
    const std::string name = path.string();
    auto fail = [&](std::uint64_t line, const std::string& what) {
        error_message = name + ":" + std::to_string(line) + ": " + what;
        return bad_journal();
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        error_message = "cannot open journal " + name + ": " + std::strerror(err);
        return sys_ec(err);
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } closer_{fd};

    replay_state st;
    bool have_header = false;
    std::uint64_t line_no = 0;   // lines completed so far
    std::uint64_t consumed = 0;  // file offset where `carry` starts
    std::string carry;           // bytes of the current, unfinished line
    std::string held;            // the last complete line, not processed yet
    std::uint64_t held_end = 0;  // file offset just after `held`'s newline
    bool has_held = false;

    // Processes one complete line; `syntax` tells a line that is not JSON at all (what a torn
    // write leaves) from a well-formed record that makes no sense (always an error).
    bool syntax = false;
    // One parser for the whole file, reset per line, with a stack buffer as its memory: replay
    // of 100k rows stays far below the 2 s a resume may take.
    boost::json::parser parser;
    unsigned char line_memory[4096];
    auto process = [&](std::string_view text) -> std::string {
        error_code ec;
        boost::json::monotonic_resource mr(line_memory, sizeof line_memory);
        parser.reset(boost::json::storage_ptr(&mr));
        parser.write(text.data(), text.size(), ec);
        boost::json::value v;
        if (!ec) v = parser.release();
        syntax = static_cast<bool>(ec);
        if (!have_header) {
            if (ec) return "invalid journal header (" + ec.message() + ")";
            if (auto err = parse_header(v, st.out.header); !err.empty()) return err;
            have_header = true;
            return {};
        }
        if (ec) return "not a journal record (invalid JSON: " + ec.message() + ")";
        return st.apply(v);
    };

    std::vector<char> chunk(1 << 20);
    for (;;) {
        auto n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            error_message = "cannot read journal " + name + ": " + std::strerror(err);
            return sys_ec(err);
        }
        if (n == 0) break;
        std::string_view data(chunk.data(), static_cast<std::size_t>(n));
        while (!data.empty()) {
            auto nl = data.find('\n');
            if (nl == std::string_view::npos) {
                carry.append(data);
                break;
            }
            carry.append(data.substr(0, nl));
            data.remove_prefix(nl + 1);
            ++line_no;
            std::uint64_t end = consumed + carry.size() + 1;
            consumed = end;
            // A complete line arrived: the held one is not the last, so it must be valid.
            if (has_held) {
                if (auto err = process(held); !err.empty()) return fail(line_no - 1, err);
                st.out.valid_bytes = held_end;
            }
            held.swap(carry);
            carry.clear();
            held_end = end;
            has_held = true;
        }
    }

    const bool partial_tail = !carry.empty();
    if (line_no == 0) {
        if (partial_tail) return fail(1, "truncated journal header (no end of line)");
        return fail(1, "empty journal (no header)");
    }
    // The last complete line: the header must be valid; a record that does not parse is torn,
    // unless a partial line follows it (one torn write cannot leave two bad lines).
    if (line_no == 1 || partial_tail) {
        if (auto err = process(held); !err.empty()) return fail(line_no, err);
        st.out.valid_bytes = held_end;
    } else if (auto err = process(held); err.empty()) {
        st.out.valid_bytes = held_end;
    } else if (syntax) {
        st.out.torn_tail_repaired = true;
    } else {
        return fail(line_no, err);
    }
    if (partial_tail) st.out.torn_tail_repaired = true;

    std::sort(st.out.rows.begin(), st.out.rows.end(),
              [](const journal_row_state& a, const journal_row_state& b) { return a.row < b.row; });
    return std::move(st.out);
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
    std::filesystem::path path, const journal_header& header, std::string& error_message,
    std::chrono::milliseconds fsync_interval) {
    auto h = header;
    if (h.created_at.empty()) h.created_at = now_iso8601();
    // Written whole to a temporary file, fsynced, renamed, the directory fsynced: the journal
    // exists whole or not at all. The descriptor stays open for the appends.
    auto file = atomic_file::create(path, error_message, 0600, "journal");
    if (!file) return file.error();
    auto written = file->write(journal_header_line(h) + "\n");
    auto fd = written ? file->commit_keep_open() : boost::system::result<int>(written.error());
    if (!fd) {
        error_message = file->error_message();
        return fd.error();
    }
    return std::unique_ptr<journal_writer>(
        new journal_writer(std::move(path), *fd, fsync_interval));
}

boost::system::result<std::unique_ptr<journal_writer>> journal_writer::open_append(
    std::filesystem::path path, std::string& error_message, journal_replay* replay,
    std::chrono::milliseconds fsync_interval) {
    auto r = replay_journal(path, error_message);
    if (!r) return r.error();
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        error_message =
            "cannot open journal " + path.string() + " for appending: " + std::strerror(err);
        return sys_ec(err);
    }
    if (r->torn_tail_repaired) {
        // Cut the torn line off before anything is appended, and make the cut durable.
        if (::ftruncate(fd, static_cast<off_t>(r->valid_bytes)) != 0 || ::fsync(fd) != 0) {
            int err = errno;
            ::close(fd);
            error_message = "cannot repair the torn tail of journal " + path.string() + ": " +
                            std::strerror(err);
            return sys_ec(err);
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
                                                         std::string_view method) {
    auto line = journal_intent_line(row, method);
    line += '\n';
    return append(line);
}

boost::system::result<void> journal_writer::write_outcome(const journal_row_ref& row,
                                                          const journal_outcome& o) {
    auto line = journal_outcome_line(row, o);
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

report_row journal_report_row(const journal_row_state& s) {
    report_row r;
    r.line = s.line;
    r.project_id = s.project_id;
    r.type = s.type;
    r.action = s.action;
    if (s.last_outcome && !s.intent_open) {
        const auto& o = *s.last_outcome;
        r.result = o.result;
        r.http_status = o.http_status;
        r.error_code = o.error_code;
        r.detail = o.detail;
        r.attempts = o.attempts;
        r.duration_ms = o.duration_ms;
        r.secret_last4 = std::string(clip_last4(o.secret_last4));
    } else {
        r.result = outcome::not_run;
        r.detail = s.intent_open
                       ? "interrupted after a " + s.intent_method +
                             " was started; it may have landed (resume resolves it by a read)"
                       : "no outcome recorded";
        if (s.last_outcome) r.attempts = s.last_outcome->attempts;
    }
    return r;
}

// ---- header comparison -------------------------------------------------------------------------

std::vector<std::string> compare_headers(const journal_header& saved, const journal_header& now) {
    std::vector<std::string> out;
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
