// The audit's report: findings per integration, the columns, the CSV / JSON / JSON Lines text,
// and reading a JSON report back. See audit.hpp.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>

#include "audit_detail.hpp"
#include "cmbulk/audit.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;
using detail::cell_text;
using detail::csv_cell;
using detail::join;
using detail::str_of;

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

std::vector<std::string> audit_alert_columns() {
    return {"alertConfigId", "eventTypeName",      "notificationType", "secretField",
            "secretShown",   "matchesIntegration", "integrationId"};
}

namespace {

/// An ALERT:<typeName> row's cells under audit_alert_columns().
std::string alert_cells(const audit_row& r) {
    std::string_view type = r.type;
    std::string out;
    // Appended piece by piece: `out += "," + cell` trips GCC 12's -Wrestrict at -O3 (a false
    // positive on the temporary's memcpy).
    auto cell = [&out](std::string_view v) { out.append(1, ',').append(csv_cell(v)); };
    cell(str_of(r.fields, "alertConfigId"));
    cell(str_of(r.fields, "eventTypeName"));
    cell(type.substr(6));
    cell(alert_row_secret_field(r));
    cell(alert_row_secret_shown(r));
    cell(str_of(r.fields, "matchesIntegration"));
    cell(str_of(r.fields, "integrationId"));
    return out;
}

std::string format_audit_csv(const std::vector<audit_row>& rows) {
    auto cols = audit_field_columns();
    auto alert_cols = audit_alert_columns();
    std::string out = "projectId,projectName,orgId,type,findings,error";
    for (auto& c : cols) out += "," + c;
    for (auto& c : alert_cols) out += "," + c;
    out += "\n";
    for (auto& r : rows) {
        out += csv_cell(r.project_id) + "," + csv_cell(r.project_name) + "," + csv_cell(r.org_id) +
               "," + csv_cell(r.type) + "," + csv_cell(join(r.findings, ";")) + "," +
               csv_cell(r.error);
        bool alert = r.type.rfind("ALERT:", 0) == 0;
        // A notification's values go under the alert columns only: its secret field may share
        // a name with an integration field (serviceKey) but is another thing.
        for (auto& c : cols) {
            out += ",";
            if (auto* v = r.fields.if_contains(c); v && !alert) out += csv_cell(cell_text(*v));
        }
        out += alert ? alert_cells(r) : std::string(alert_cols.size(), ',');
        out += "\n";
    }
    return out;
}

}  // namespace

std::string format_audit_report(const std::vector<audit_row>& rows, report_format format) {
    std::string out;
    if (format == report_format::csv) return format_audit_csv(rows);
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

}  // namespace cmbulk
