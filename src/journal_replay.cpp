// The checkpoint journal's replay: the header, intent / outcome / item records read one line at a
// time, a torn last line dropped, garbage before it refused with file:line. See journal.hpp.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "cmbulk/journal.hpp"
#include "journal_detail.hpp"

namespace cmbulk {
namespace {

using boost::system::error_code;
using detail::clip_last4;
using detail::journal_error;

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

std::string parse_header(const boost::json::value& v, journal_header& h, journal_errc& code) {
    code = journal_errc::bad_header;
    if (!v.is_object() || !v.as_object().contains("cmbulkJournal"))
        return "not a cmbulk journal header (expected {\"cmbulkJournal\":1,...})";
    fields f{v.as_object(), {}};
    h.format_version = static_cast<int>(f.num("cmbulkJournal", true));
    if (!f.err.empty()) return f.err;
    if (h.format_version != journal_format_version) {
        code = journal_errc::unsupported_version;
        return "unsupported journal format version " + std::to_string(h.format_version) +
               " (this build reads version " + std::to_string(journal_format_version) + ")";
    }
    h.command = f.str("command", false);
    if (h.command.empty()) h.command = "apply";
    const bool apply = h.command == "apply";
    h.tool_version = f.str("toolVersion", false);
    h.manifest_sha256 = f.str("manifestSha256", apply);
    h.action = f.str("action", apply);
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
    journal_errc code = journal_errc::bad_record;  ///< what a failed apply() means

    std::string apply(const boost::json::value& v) {
        code = journal_errc::bad_record;
        if (!v.is_object()) return "a record must be a JSON object";
        fields f{v.as_object(), {}};
        auto kind = f.sv("k", true);
        if (!f.err.empty()) return f.err;
        if (kind == "item") return apply_item(v.as_object(), f);
        if (kind != "intent" && kind != "outcome" && kind != "before")
            return "unknown record kind \"" + std::string(kind) + "\"";
        auto row = static_cast<std::uint64_t>(f.num("row", true));
        auto line = static_cast<std::uint64_t>(f.num("line", false));
        auto p = f.sv("p", true);
        auto t = f.sv("t", true);
        auto a = f.sv("a", false);
        auto step = f.sv("st", false);
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
        if (!fresh && (s.project_id != p || s.type != t)) {
            code = journal_errc::conflicting_record;
            return "row " + std::to_string(row) + " was " + s.project_id + " " + s.type +
                   " earlier in the journal, here it is " + std::string(p) + " " + std::string(t);
        }
        if (!a.empty() && s.action != a) s.action = a;
        journal_step_state& st = step.empty() ? s : s.steps[std::string(step)];
        auto err = kind == "intent"   ? apply_intent(st, f, v.as_object())
                   : kind == "before" ? apply_before(st, v.as_object())
                                      : apply_outcome(st, f);
        if (err.empty()) ++out.records;
        return err;
    }

    static std::string apply_intent(journal_step_state& s, fields& f,
                                    const boost::json::object& o) {
        auto m = f.sv("m", true);
        if (!f.err.empty()) return f.err;
        // The row's first intent carries its before-image (older journals: a `before` record).
        if (o.contains("b"))
            if (auto err = apply_before(s, o); !err.empty()) return err;
        s.intent_open = true;
        s.intent_method = m;
        ++s.intents;
        return {};
    }

    static std::string apply_outcome(journal_step_state& s, fields& f) {
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
        return {};
    }

    static std::string apply_before(journal_step_state& s, const boost::json::object& o) {
        auto* b = o.if_contains("b");
        if (!b || !(b->is_null() || b->is_object())) return "\"b\" must be an object or null";
        if (s.has_before) return {};  // the first one is the state before the run
        s.has_before = true;
        if (b->is_object()) s.before = boost::json::object(b->get_object(), {});
        if (auto* w = o.if_contains("w")) s.wrote = boost::json::value(*w, {});
        return {};
    }

    std::string apply_item(const boost::json::object& o, fields& f) {
        auto key = f.sv("key", true);
        if (!f.err.empty()) return f.err;
        auto* v = o.if_contains("v");
        if (!v) return "missing \"v\"";
        // Copied out of the line's parser memory.
        out.items.insert_or_assign(std::string(key), boost::json::value(*v, {}));
        ++out.records;
        return {};
    }
};
}  // namespace

// ---- replay ------------------------------------------------------------------------------------

const journal_row_state* journal_replay::find(std::uint64_t row) const {
    auto it =
        std::lower_bound(rows.begin(), rows.end(), row,
                         [](const journal_row_state& s, std::uint64_t r) { return s.row < r; });
    return it != rows.end() && it->row == row ? &*it : nullptr;
}

namespace {
/// Parses the lines of a journal one at a time: the header, then the records. One parser for
/// the whole file, reset per line, with a stack buffer as its memory: replay of 100k rows stays
/// far below the 2 s a resume may take.
struct line_reader {
    replay_state st;
    bool have_header = false;
    /// The last line that failed was not JSON at all (what a torn write leaves), as opposed to a
    /// well-formed record that makes no sense (always an error).
    bool syntax = false;
    journal_errc code = journal_errc::bad_record;  ///< what the last failure means
    boost::json::parser parser;
    unsigned char memory[4096];

    /// An empty string when the line is good, else what is wrong with it.
    std::string process(std::string_view text) {
        error_code ec;
        boost::json::monotonic_resource mr(memory, sizeof memory);
        parser.reset(boost::json::storage_ptr(&mr));
        parser.write(text.data(), text.size(), ec);
        boost::json::value v;
        if (!ec) v = parser.release();
        syntax = static_cast<bool>(ec);
        if (!have_header) {
            code = journal_errc::bad_header;
            if (ec) return "invalid journal header (" + ec.message() + ")";
            if (auto err = parse_header(v, st.out.header, code); !err.empty()) return err;
            have_header = true;
            return {};
        }
        code = journal_errc::bad_record;
        if (ec) return "not a journal record (invalid JSON: " + ec.message() + ")";
        auto err = st.apply(v);
        code = st.code;
        return err;
    }
};
}  // namespace

boost::system::result<journal_replay> replay_journal(const std::filesystem::path& path,
                                                     diagnostics& diag) {
    line_reader lr;
    auto fail = [&](std::uint64_t line, const std::string& what) {
        return journal_error(diag, lr.code, path, line, what);
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return journal_error(diag, journal_errc::open_failed, path, 0,
                             std::string("cannot open the journal: ") + std::strerror(errno));
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } closer_{fd};

    std::uint64_t line_no = 0;   // lines completed so far
    std::uint64_t consumed = 0;  // file offset where `carry` starts
    std::string carry;           // bytes of the current, unfinished line
    std::string held;            // the last complete line, not processed yet
    std::uint64_t held_end = 0;  // file offset just after `held`'s newline
    bool has_held = false;
    auto& out = lr.st.out;

    std::vector<char> chunk(1 << 20);
    for (;;) {
        auto n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return journal_error(diag, journal_errc::read_failed, path, line_no + 1,
                                 std::string("cannot read the journal: ") + std::strerror(errno));
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
                if (auto err = lr.process(held); !err.empty()) return fail(line_no - 1, err);
                out.valid_bytes = held_end;
            }
            held.swap(carry);
            carry.clear();
            held_end = end;
            has_held = true;
        }
    }

    const bool partial_tail = !carry.empty();
    if (line_no == 0) {
        lr.code = partial_tail ? journal_errc::bad_header : journal_errc::empty;
        return fail(1, partial_tail ? "truncated journal header (no end of line)"
                                    : "empty journal (no header)");
    }
    // The last complete line: the header must be valid; a record that does not parse is torn,
    // unless a partial line follows it (one torn write cannot leave two bad lines).
    if (line_no == 1 || partial_tail) {
        if (auto err = lr.process(held); !err.empty()) return fail(line_no, err);
        out.valid_bytes = held_end;
    } else if (auto err = lr.process(held); err.empty()) {
        out.valid_bytes = held_end;
    } else if (lr.syntax) {
        out.torn_tail_repaired = true;
    } else {
        return fail(line_no, err);
    }
    if (partial_tail) out.torn_tail_repaired = true;

    std::sort(out.rows.begin(), out.rows.end(),
              [](const journal_row_state& a, const journal_row_state& b) { return a.row < b.row; });
    return std::move(out);
}
}  // namespace cmbulk
