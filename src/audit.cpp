// `cmbulk audit`: project discovery, the per-project listing of integrations under the run-wide
// pacer with retried reads, findings, the report (atomic write), a checkpoint of finished
// projects for --resume, and --emit-manifest. See audit.hpp.
#include "cmbulk/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/json_util.hpp"
#include "cmbulk/progress.hpp"
#include "cmbulk/run_support.hpp"

namespace cmbulk {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;

namespace {

constexpr int max_pages = 100000;  // a server that never ends its list must not loop forever

std::string csv_cell(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string cell_text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_bool()) return v.get_bool() ? "true" : "false";
    if (v.is_null()) return "";
    return json::serialize(v);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (auto& x : v) out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
}

/// Splits one CSV record (RFC 4180 quoting; one physical line is enough for projects files).
std::vector<std::string> split_csv_line(std::string_view line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}

std::string describe_failure(const api_call_result& r) {
    std::string s = r.status ? "HTTP " + std::to_string(r.status) : std::string("no response");
    if (!r.error_code.empty()) s += " " + r.error_code;
    if (!r.detail.empty()) s += ": " + r.detail;
    return s;
}

/// Calls `f` on every object of a list page's "results"; returns how many there were.
template <class F>
std::size_t for_each_result(const json::object& page, F&& f) {
    auto* results = page.if_contains("results");
    if (!results || !results->is_array()) return 0;
    std::size_t n = 0;
    for (auto& x : results->get_array()) {
        if (!x.is_object()) continue;
        ++n;
        f(x.get_object());
    }
    return n;
}

bool has_next_link(const json::object& page) {
    auto* links = page.if_contains("links");
    if (!links || !links->is_array()) return false;
    for (auto& l : links->get_array())
        if (l.is_object())
            if (auto* rel = l.get_object().if_contains("rel");
                rel && rel->is_string() && rel->get_string() == "next")
                return true;
    return false;
}

std::string str_of(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Pure pieces

std::vector<std::string> findings_for(std::string_view type, const json::object& fields) {
    std::vector<std::string> f;
    const type_spec* t = find_type(type);
    if (type == "WEBHOOK") {
        auto url = str_of(fields, "url");
        if (url.size() >= 7 && std::equal(url.begin(), url.begin() + 7, "http://",
                                          [](char a, char b) { return std::tolower(a) == b; }))
            f.emplace_back("webhook-http");
    }
    if (type == "SLACK" && str_of(fields, "channelName").empty())
        f.emplace_back("slack-no-channel");
    if (type == "PROMETHEUS") {
        auto* e = fields.if_contains("enabled");
        if (e &&
            ((e->is_bool() && !e->get_bool()) || (e->is_string() && e->get_string() == "false")))
            f.emplace_back("prometheus-disabled");
    }
    if ((t && t->legacy) || type == "HIP_CHAT" || type == "FLOWDOCK" || type == "NEW_RELIC")
        f.emplace_back("legacy-type");
    if (!t && !type.empty()) f.emplace_back("unknown-type");
    return f;
}

std::vector<std::string> audit_field_columns() {
    std::vector<std::string> cols;
    for (auto& t : all_types())
        for (auto& f : t.fields)
            if (std::find(cols.begin(), cols.end(), f.name) == cols.end())
                cols.emplace_back(f.name);
    return cols;
}

json::object to_json(const audit_row& row) {
    json::object o;
    o["projectId"] = row.project_id;
    o["projectName"] = row.project_name;
    o["orgId"] = row.org_id;
    o["type"] = row.type;
    o["fields"] = row.fields;
    json::array f;
    for (auto& x : row.findings) f.emplace_back(x);
    o["findings"] = std::move(f);
    o["error"] = row.error;
    return o;
}

audit_row audit_row_from_json(const json::object& o) {
    audit_row r;
    r.project_id = str_of(o, "projectId");
    r.project_name = str_of(o, "projectName");
    r.org_id = str_of(o, "orgId");
    r.type = str_of(o, "type");
    r.error = str_of(o, "error");
    if (auto* f = o.if_contains("fields"); f && f->is_object()) r.fields = f->get_object();
    if (auto* f = o.if_contains("findings"); f && f->is_array())
        for (auto& x : f->get_array())
            if (x.is_string()) r.findings.emplace_back(x.get_string());
    return r;
}

std::string format_audit_report(const std::vector<audit_row>& rows, report_format format) {
    std::string out;
    if (format == report_format::csv) {
        auto cols = audit_field_columns();
        out = "projectId,projectName,orgId,type,findings,error";
        for (auto& c : cols) out += "," + c;
        out += "\n";
        for (auto& r : rows) {
            out += csv_cell(r.project_id) + "," + csv_cell(r.project_name) + "," +
                   csv_cell(r.org_id) + "," + csv_cell(r.type) + "," +
                   csv_cell(join(r.findings, ";")) + "," + csv_cell(r.error);
            for (auto& c : cols) {
                out += ",";
                if (auto* v = r.fields.if_contains(c)) out += csv_cell(cell_text(*v));
            }
            out += "\n";
        }
        return out;
    }
    if (format == report_format::json) {
        out = "[";
        bool first = true;
        for (auto& r : rows) {
            out += first ? "\n" : ",\n";
            first = false;
            out += json::serialize(to_json(r));
        }
        out += "\n]\n";
        return out;
    }
    for (auto& r : rows) out += json::serialize(to_json(r)) + "\n";
    return out;
}

boost::system::result<std::vector<audit_row>> parse_audit_rows(std::string_view text,
                                                               report_format format,
                                                               std::string& message) {
    std::vector<audit_row> rows;
    boost::system::error_code ec;
    if (format == report_format::json) {
        auto v = json::parse(text, ec);
        if (ec || !v.is_array()) {
            message = "not a JSON array of audit rows";
            return boost::system::error_code(EINVAL, boost::system::generic_category());
        }
        for (auto& x : v.get_array())
            if (x.is_object()) rows.push_back(audit_row_from_json(x.get_object()));
        return rows;
    }
    if (format == report_format::jsonl) {
        std::size_t pos = 0, line = 0;
        while (pos < text.size()) {
            auto nl = text.find('\n', pos);
            auto l =
                text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
            pos = nl == std::string_view::npos ? text.size() : nl + 1;
            ++line;
            if (l.empty()) continue;
            auto v = json::parse(l, ec);
            if (ec || !v.is_object()) {
                message = "line " + std::to_string(line) + ": not a JSON object";
                return boost::system::error_code(EINVAL, boost::system::generic_category());
            }
            rows.push_back(audit_row_from_json(v.get_object()));
        }
        return rows;
    }
    message = "CSV audit reports cannot be read back with their JSON types; use .json or .jsonl";
    return boost::system::error_code(EINVAL, boost::system::generic_category());
}

boost::system::result<std::vector<audit_project>> read_projects_file(const std::filesystem::path& p,
                                                                     std::string& message) {
    auto bad = [&](std::string what) -> boost::system::result<std::vector<audit_project>> {
        message = p.string() + ":" + what;
        return boost::system::error_code(EINVAL, boost::system::generic_category());
    };
    std::ifstream in(p, std::ios::binary);
    if (!in) return bad(" cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto fmt = format_from_path(p);
    if (!fmt) return bad(" unknown format: use .csv, .json or .jsonl");
    std::vector<audit_project> out;
    auto from_object = [&](const json::object& o, std::size_t line) -> bool {
        audit_project pr;
        pr.id = str_of(o, "projectId");
        if (pr.id.empty()) pr.id = str_of(o, "id");
        pr.name = str_of(o, "projectName");
        if (pr.name.empty()) pr.name = str_of(o, "name");
        pr.org_id = str_of(o, "orgId");
        if (!is_object_id(pr.id)) {
            message = p.string() + ":" + std::to_string(line) +
                      ": projectId: expected 24 lowercase hex characters";
            return false;
        }
        out.push_back(std::move(pr));
        return true;
    };
    boost::system::error_code ec;
    if (*fmt == manifest_format::json) {
        auto v = json::parse(text, ec);
        if (ec || !v.is_array()) return bad("1: expected a JSON array of projects");
        for (auto& x : v.get_array()) {
            if (x.is_string()) {
                if (!from_object(json::object{{"projectId", x}}, 1))
                    return boost::system::error_code(EINVAL, boost::system::generic_category());
            } else if (!x.is_object() || !from_object(x.get_object(), 1)) {
                if (!x.is_object()) message = p.string() + ":1: expected objects with projectId";
                return boost::system::error_code(EINVAL, boost::system::generic_category());
            }
        }
    } else {
        std::istringstream lines(text);
        std::string line;
        std::size_t n = 0;
        std::vector<std::string> header;
        while (std::getline(lines, line)) {
            ++n;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            if (*fmt == manifest_format::jsonl) {
                auto v = json::parse(line, ec);
                if (ec || !v.is_object())
                    return bad(std::to_string(n) + ": expected a JSON object");
                if (!from_object(v.get_object(), n))
                    return boost::system::error_code(EINVAL, boost::system::generic_category());
                continue;
            }
            auto cells = split_csv_line(line);
            if (header.empty()) {
                header = cells;
                if (std::find(header.begin(), header.end(), "projectId") == header.end())
                    return bad("1: no projectId column");
                continue;
            }
            json::object o;
            for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
                o[header[i]] = cells[i];
            if (!from_object(o, n))
                return boost::system::error_code(EINVAL, boost::system::generic_category());
        }
    }
    if (out.empty()) return bad(" no projects");
    return out;
}

std::string default_secret_ref(std::string_view type, std::string_view field) {
    std::string out(type);
    out += '_';
    for (std::size_t i = 0; i < field.size(); ++i) {
        char c = field[i];
        if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::optional<json::object> manifest_row_for(const audit_row& row,
                                             const std::map<std::string, std::string>& secret_refs,
                                             std::vector<std::string>& refs_used) {
    if (!row.error.empty() || row.type.empty()) return std::nullopt;
    const type_spec* t = find_type(row.type);
    if (!t) return std::nullopt;
    json::object o;
    o["projectId"] = row.project_id;
    o["type"] = row.type;
    for (auto& f : t->fields) {
        auto* v = row.fields.if_contains(f.name);
        if (f.secret == secrecy::none) {
            if (v && !v->is_null()) o[f.name] = *v;
            continue;
        }
        // A secret: never the masked value; a reference the user fills in, when the API shows
        // the field or the type requires it.
        if (!v && f.required_on == 0) continue;
        auto it = secret_refs.find(std::string(f.name));
        std::string name =
            it != secret_refs.end() ? it->second : default_secret_ref(row.type, f.name);
        o[f.name] = "${env:" + name + "}";
        if (std::find(refs_used.begin(), refs_used.end(), name) == refs_used.end())
            refs_used.push_back(name);
    }
    return o;
}

std::string format_manifest(const std::vector<json::object>& rows, manifest_format format) {
    std::string out;
    if (format == manifest_format::jsonl) {
        for (auto& r : rows) out += json::serialize(r) + "\n";
        return out;
    }
    if (format == manifest_format::json) {
        json::array a;
        for (auto& r : rows) a.emplace_back(r);
        return json::serialize(a) + "\n";
    }
    std::vector<std::string> cols;
    for (auto& c : audit_field_columns())
        for (auto& r : rows)
            if (r.contains(c)) {
                cols.push_back(c);
                break;
            }
    out = "projectId,type";
    for (auto& c : cols) out += "," + c;
    out += "\n";
    for (auto& r : rows) {
        out += csv_cell(str_of(r, "projectId")) + "," + csv_cell(str_of(r, "type"));
        for (auto& c : cols) {
            out += ",";
            if (auto* v = r.if_contains(c)) out += csv_cell(cell_text(*v));
        }
        out += "\n";
    }
    return out;
}

// ------------------------------------------------------------------------------------------------
// The run

namespace {

/// The checkpoint of an audit: a header line, then one line per project read completely,
/// holding its report rows. On --resume those projects are not read again; a torn last line
/// (a kill mid-write) is dropped.
class audit_checkpoint {
public:
    ~audit_checkpoint() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool open(const std::filesystem::path& p, bool resume,
              std::unordered_map<std::string, std::vector<audit_row>>& done, std::string& msg) {
        path_ = p;
        if (resume) {
            std::ifstream in(p, std::ios::binary);
            if (!in) {
                msg = "cannot resume: no checkpoint " + p.string();
                return false;
            }
            std::string line;
            bool first = true;
            std::vector<std::string> lines;
            while (std::getline(in, line)) lines.push_back(line);
            for (std::size_t i = 0; i < lines.size(); ++i) {
                boost::system::error_code ec;
                auto v = json::parse(lines[i], ec);
                if (ec || !v.is_object()) {
                    if (i + 1 == lines.size() && !first) break;  // torn tail
                    msg = p.string() + ":" + std::to_string(i + 1) +
                          ": not an audit checkpoint record";
                    return false;
                }
                auto& o = v.get_object();
                if (first) {
                    if (!o.contains("cmbulkAuditCheckpoint")) {
                        msg = p.string() + ": not an audit checkpoint";
                        return false;
                    }
                    first = false;
                    continue;
                }
                std::vector<audit_row> rows;
                if (auto* r = o.if_contains("rows"); r && r->is_array())
                    for (auto& x : r->get_array())
                        if (x.is_object()) rows.push_back(audit_row_from_json(x.get_object()));
                done[str_of(o, "projectId")] = std::move(rows);
            }
            if (first) {
                msg = p.string() + ": empty checkpoint";
                return false;
            }
            // Rewrite it without a torn tail, then append.
            std::string text = json::serialize(json::object{{"cmbulkAuditCheckpoint", 1}}) + "\n";
            for (auto& [id, rows] : done) text += record(id, rows);
            if (!write_file_atomically(p, text, msg)) return false;
            fd_ = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        } else {
            std::string text = json::serialize(json::object{{"cmbulkAuditCheckpoint", 1}}) + "\n";
            if (!write_file_atomically(p, text, msg)) return false;
            fd_ = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        }
        if (fd_ < 0) {
            msg = "cannot open the checkpoint " + p.string();
            return false;
        }
        return true;
    }
    static std::string record(const std::string& id, const std::vector<audit_row>& rows) {
        json::array a;
        for (auto& r : rows) a.emplace_back(to_json(r));
        return json::serialize(json::object{{"projectId", id}, {"rows", std::move(a)}}) + "\n";
    }
    void add(const std::string& id, const std::vector<audit_row>& rows) {
        if (fd_ < 0) return;
        auto text = record(id, rows);
        // One write per record: a kill leaves at most the last line torn.
        if (::write(fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            failed_ = true;
        if (++since_sync_ >= 200) sync();
    }
    void sync() {
        if (fd_ >= 0) ::fsync(fd_);
        since_sync_ = 0;
    }
    void remove() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    bool failed() const { return failed_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    int since_sync_ = 0;
    bool failed_ = false;
};

struct audit_state {
    const audit_options& opts;
    std::ostream& err;
    std::unique_ptr<run_gate> gate;
    std::unique_ptr<api_client> client;
    retry_policy policy;
    std::vector<audit_project> projects;
    std::vector<std::vector<audit_row>> results;  ///< per project, in discovery order
    std::vector<bool> finished;
    std::vector<audit_row> source_errors;  ///< organizations / listings that failed
    std::unordered_map<std::string, std::vector<audit_row>> resumed;
    audit_checkpoint checkpoint;
    progress_meter progress;
    std::uint64_t done = 0, unreadable = 0;
    bool stop = false, interrupted = false, fatal = false;
    std::string fatal_message;
    bool confirmed = false;  ///< some response other than a definitive 401 arrived

    std::optional<asio::steady_timer> ticker;  ///< progress lines while projects are read
    bool reading_done = false;

    audit_state(const audit_options& o, std::ostream& e)
        : opts(o), err(e), progress(e, o.progress) {}

    bool wanted_type(std::string_view t) const {
        return opts.types.empty() ||
               std::find(opts.types.begin(), opts.types.end(), t) != opts.types.end();
    }
    /// A read's failure that ends the run (wrong key, nothing answering).
    bool check_fatal(const api_call_result& r) {
        if (r.status != 0 && !r.auth_failed) confirmed = true;
        if (r.auth_failed) {
            fatal = stop = true;
            fatal_message = "authentication failed: check the API key or service account";
        } else if (r.status == 0 && !confirmed) {
            fatal = stop = true;
            fatal_message = "server unreachable: " + r.detail;
        }
        return fatal;
    }
};

/// Every page of a project list (GET /groups or /orgs/{id}/groups) into st.projects.
awaitable<void> discover(audit_state& st, api_session& session, std::string org,
                         std::unordered_set<std::string>& seen) {
    for (int page = 1; page <= max_pages && !st.stop; ++page) {
        int attempts = 0;
        // A named std::function: GCC 12 destroys lambda temporaries inside co_await twice.
        std::function<awaitable<api_call_result>()> call = [&session, &org, page, &st]() {
            return session.list_projects_page(org, page, st.opts.page_size);
        };
        auto r = co_await read_with_retry(call, *st.gate, st.policy, attempts);
        if (st.check_fatal(r)) co_return;
        if (r.status != 200 || !r.body.is_object()) {
            audit_row row;
            row.org_id = org;
            row.findings.emplace_back("unreadable");
            row.error = (org.empty() ? "GET /groups: " : "organization " + org + ": ") +
                        describe_failure(r);
            st.source_errors.push_back(std::move(row));
            co_return;
        }
        auto& body = r.body.get_object();
        auto n = for_each_result(body, [&](const json::object& x) {
            audit_project p{str_of(x, "id"), str_of(x, "name"), str_of(x, "orgId")};
            if (p.org_id.empty()) p.org_id = org;
            if (!p.id.empty() && seen.insert(p.id).second) st.projects.push_back(std::move(p));
        });
        if (n == 0 || !has_next_link(body)) co_return;
    }
}

/// Every page of one project's integrations into st.results[i].
awaitable<void> audit_project_at(audit_state& st, api_session& session, std::size_t i) {
    auto& p = st.projects[i];
    if (auto it = st.resumed.find(p.id); it != st.resumed.end()) {
        st.results[i] = it->second;
        st.finished[i] = true;
        ++st.done;
        co_return;
    }
    std::vector<audit_row> rows;
    bool failed = false, complete = false;
    for (int page = 1; page <= max_pages && !st.stop; ++page) {
        int attempts = 0;
        std::function<awaitable<api_call_result>()> call = [&session, &p, page, &st]() {
            return session.list_integrations_page(p.id, page, st.opts.page_size);
        };
        auto r = co_await read_with_retry(call, *st.gate, st.policy, attempts);
        if (st.check_fatal(r)) co_return;
        if (r.status != 200 || !r.body.is_object()) {
            audit_row row;
            row.project_id = p.id;
            row.project_name = p.name;
            row.org_id = p.org_id;
            row.findings.emplace_back("unreadable");
            row.error = describe_failure(r);
            rows = {std::move(row)};
            failed = complete = true;
            break;
        }
        auto& body = r.body.get_object();
        auto n = for_each_result(body, [&](const json::object& x) {
            auto type = str_of(x, "type");
            if (!st.wanted_type(type)) return;
            audit_row row;
            row.project_id = p.id;
            row.project_name = p.name;
            row.org_id = p.org_id;
            row.type = type;
            row.fields = x;
            row.fields.erase("type");
            row.findings = findings_for(type, row.fields);
            rows.push_back(std::move(row));
        });
        if (n == 0 || !has_next_link(body)) {
            complete = true;
            break;
        }
    }
    if (!complete) co_return;  // stopped midway: not done, --resume reads it again
    if (rows.empty()) {
        // A project with no integration (of the types asked for) still gets its row.
        audit_row row;
        row.project_id = p.id;
        row.project_name = p.name;
        row.org_id = p.org_id;
        rows.push_back(std::move(row));
    }
    if (failed)
        ++st.unreadable;
    else
        st.checkpoint.add(p.id, rows);
    st.results[i] = std::move(rows);
    st.finished[i] = true;
    ++st.done;
    st.progress.update(st.done, st.unreadable, st.gate->requests());
}

/// Prints the progress line every interval until the projects are read.
awaitable<void> tick_progress(audit_state& st) {
    while (!st.reading_done) {
        st.ticker->expires_after(st.progress.interval());
        co_await st.ticker->async_wait(asio::as_tuple(asio::use_awaitable));
        if (st.reading_done) break;
        st.progress.tick(st.done, st.unreadable, st.gate->requests(), st.gate->current_rate());
    }
}

std::filesystem::path default_report(const audit_options& o) {
    return o.report_path.empty() ? std::filesystem::path("audit.csv") : o.report_path;
}

}  // namespace

int run_audit(const audit_options& opts, std::ostream& out, std::ostream& err) {
    (void)out;
    if (opts.projects_file.empty() && opts.org_ids.empty() && !opts.all) {
        err << "cmbulk audit: say which projects: --projects FILE, --org ID or --all\n";
        return exit_usage;
    }
    if (opts.page_size < 1 || opts.page_size > 500) {
        err << "cmbulk audit: --page-size: expected 1 to 500\n";
        return exit_usage;
    }
    for (auto& t : opts.types)
        if (!find_type(t) && t != "HIP_CHAT" && t != "FLOWDOCK") {
            err << "cmbulk audit: --type: unknown integration type '" << t << "'\n";
            return exit_usage;
        }
    for (auto& o : opts.org_ids)
        if (!is_object_id(o)) {
            err << "cmbulk audit: --org " << o << ": expected 24 lowercase hex characters\n";
            return exit_usage;
        }
    auto report_path = default_report(opts);
    auto report_fmt = report_format_from_path(report_path);
    if (!report_fmt) {
        err << "cmbulk audit: --report: use a .csv, .json or .jsonl file name\n";
        return exit_usage;
    }
    std::optional<manifest_format> emit_fmt;
    if (!opts.emit_manifest.empty()) {
        emit_fmt = format_from_path(opts.emit_manifest);
        if (!emit_fmt) {
            err << "cmbulk audit: --emit-manifest: use a .csv, .json or .jsonl file name\n";
            return exit_usage;
        }
    }

    // The io_context outlives the state: its timers, sessions and client are destroyed first.
    asio::io_context ioc(1);
    audit_state st(opts, err);
    std::unordered_set<std::string> seen;
    std::string msg;
    if (!opts.projects_file.empty()) {
        auto list = read_projects_file(opts.projects_file, msg);
        if (!list) {
            err << "cmbulk audit: " << msg << "\n";
            return exit_usage;
        }
        for (auto& p : *list)
            if (seen.insert(p.id).second) st.projects.push_back(p);
    }
    auto checkpoint_path = opts.checkpoint_path;
    if (checkpoint_path.empty()) {
        checkpoint_path = report_path;
        checkpoint_path.replace_extension(".checkpoint.jsonl");
    }
    if (!st.checkpoint.open(checkpoint_path, opts.resume, st.resumed, msg)) {
        err << "cmbulk audit: " << msg << "\n";
        return exit_usage;
    }
    if (opts.resume)
        err << "cmbulk audit: resuming: " << st.resumed.size() << " projects already audited\n";

    st.gate = std::make_unique<run_gate>(ioc.get_executor(), opts.pacing);
    try {
        st.client = std::make_unique<api_client>(ioc.get_executor(), opts.api, *st.gate);
    } catch (const std::invalid_argument& e) {
        err << "cmbulk audit: " << e.what() << "\n";
        return exit_usage;
    }
    st.policy.max_attempts = opts.max_attempts;
    st.policy.backoff = opts.backoff;
    st.policy.budget = retry_budget(opts.retry_budget_ratio);
    st.policy.rng.seed(opts.jitter_seed ? opts.jitter_seed : std::random_device{}());

    auto started = clock_type::now();
    // 1. Discovery, one list after the other on one connection.
    std::function<awaitable<void>()> discovery = [&]() -> awaitable<void> {
        auto session = st.client->make_session();
        for (auto& org : opts.org_ids) {
            if (st.stop) break;
            co_await discover(st, *session, org, seen);
        }
        std::string every_org;  // named: no temporaries in co_await expressions (GCC 12)
        if (opts.all && !st.stop) co_await discover(st, *session, every_org, seen);
        session->close();
    };
    run_until_done(ioc, discovery, st.interrupted);
    if (st.interrupted) st.stop = true;

    // 2. Every project's integrations, `concurrency` at a time.
    st.results.resize(st.projects.size());
    st.finished.assign(st.projects.size(), false);
    st.progress.start(st.projects.size());
    if (!st.stop) {
        std::function<awaitable<void>(api_session&, std::size_t)> job =
            [&st](api_session& s, std::size_t i) -> awaitable<void> {
            if (st.interrupted) st.stop = true;
            if (!st.stop) co_await audit_project_at(st, s, i);
        };
        st.ticker.emplace(ioc);
        std::function<awaitable<void>()> work = [&]() -> awaitable<void> {
            asio::co_spawn(ioc, tick_progress(st), [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
            co_await for_each_index(*st.client, opts.concurrency, st.projects.size(), job, st.stop);
            st.reading_done = true;
            st.ticker->cancel();
        };
        run_until_done(ioc, work, st.interrupted);
    }
    st.progress.finish();
    st.checkpoint.sync();

    if (st.fatal) {
        // Nothing trustworthy was read: keep any earlier report as it is.
        err << "cmbulk audit: stopped: " << st.fatal_message << "; no report written\n";
        return exit_fatal;
    }

    // 3. The report: source errors first, then projects in discovery order.
    std::vector<audit_row> rows = st.source_errors;
    std::uint64_t not_done = 0;
    for (std::size_t i = 0; i < st.projects.size(); ++i) {
        if (!st.finished[i]) {
            ++not_done;
            continue;
        }
        for (auto& r : st.results[i]) rows.push_back(r);
    }
    if (auto w = write_file_atomically(report_path, format_audit_report(rows, *report_fmt), msg);
        !w) {
        err << "cmbulk audit: " << msg << "\n";
        return exit_rows_failed;
    }

    // 4. The summary: per type and per finding.
    std::map<std::string, std::uint64_t> per_type, per_finding;
    std::uint64_t integrations = 0, empty_projects = 0;
    for (auto& r : rows) {
        for (auto& f : r.findings) per_finding[f]++;
        if (!r.error.empty()) continue;
        if (r.type.empty())
            ++empty_projects;
        else {
            ++integrations;
            per_type[r.type]++;
        }
    }
    auto secs = std::chrono::duration<double>(clock_type::now() - started).count();
    err << "audit: " << st.done << " of " << st.projects.size() << " projects read, "
        << integrations << " integrations, " << empty_projects << " projects without integrations"
        << (opts.types.empty() ? "" : " of the types asked for") << ", "
        << (st.unreadable + st.source_errors.size()) << " unreadable; " << st.gate->requests()
        << " requests in " << std::fixed;
    err.precision(1);
    err << secs << " s\n";
    err.unsetf(std::ios::floatfield);
    if (!per_type.empty()) {
        err << "  by type:";
        for (auto& [t, n] : per_type) err << " " << t << " " << n;
        err << "\n";
    }
    if (!per_finding.empty()) {
        err << "  findings:";
        for (auto& [f, n] : per_finding) err << " " << f << " " << n;
        err << "\n";
    }
    err << "report: " << report_path.string() << "\n";

    // 5. --emit-manifest.
    if (emit_fmt) {
        std::vector<json::object> mrows;
        std::vector<std::string> refs;
        std::uint64_t skipped = 0;
        for (auto& r : rows) {
            if (auto m = manifest_row_for(r, opts.secret_refs, refs))
                mrows.push_back(std::move(*m));
            else if (!r.type.empty() && r.error.empty())
                ++skipped;
        }
        if (auto w =
                write_file_atomically(opts.emit_manifest, format_manifest(mrows, *emit_fmt), msg);
            !w) {
            err << "cmbulk audit: " << msg << "\n";
            return exit_rows_failed;
        }
        err << "manifest: " << opts.emit_manifest.string() << " (" << mrows.size() << " rows";
        if (skipped) err << "; " << skipped << " integrations of unknown types left out";
        err << ")\n";
        if (!refs.empty()) {
            err << "  set these environment variables before `cmbulk apply` (the secrets are "
                   "references):";
            for (auto& r : refs) err << " " << r;
            err << "\n";
        }
        for (auto& [field, name] : opts.secret_refs) {
            bool used = std::find(refs.begin(), refs.end(), name) != refs.end();
            if (!used)
                err << "cmbulk audit: warning: --secret-ref " << field << "=" << name
                    << " matched no field\n";
        }
    }

    if (st.interrupted) {
        err << "cmbulk audit: interrupted with " << not_done
            << " projects not read; to finish: the same command with --resume\n";
        return exit_interrupted;
    }
    if (st.checkpoint.failed())
        err << "cmbulk audit: warning: the checkpoint could not be written\n";
    bool any_error = st.unreadable > 0 || !st.source_errors.empty() || not_done > 0;
    if (!any_error)
        st.checkpoint.remove();
    else
        err << "checkpoint: " << checkpoint_path.string()
            << " (--resume reads only the projects that failed)\n";
    return any_error ? exit_rows_failed : exit_success;
}

}  // namespace cmbulk
