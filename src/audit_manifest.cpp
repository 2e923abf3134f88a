// --emit-manifest: what an audit saw, as a manifest for `cmbulk apply` (current non-secret
// fields, every secret as a ${env:NAME} reference, never a masked value). See audit.hpp.
#include <algorithm>
#include <cctype>

#include "audit_detail.hpp"
#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/audit.hpp"
#include "cmbulk/audit_alerts.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;
using detail::cell_text;
using detail::csv_cell;
using detail::str_of;

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
    // Its organization: a fleet run (--credentials) routes the row by it, with no lookup.
    if (!row.org_id.empty()) o["orgId"] = row.org_id;
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

std::string alert_row_secret_field(const audit_row& row) {
    auto named = str_of(row.fields, "secretField");
    if (!named.empty()) return named;
    // A report written before the field existed: the type's first secret field.
    std::string_view type = row.type;
    if (type.substr(0, 6) != "ALERT:") return {};
    if (const notification_type* t = find_notification_type(type.substr(6)))
        for (auto& f : t->fields)
            if (f.secret()) return std::string(f.name);
    return {};
}

std::string alert_row_secret_shown(const audit_row& row) {
    auto field = alert_row_secret_field(row);
    return field.empty() ? std::string() : str_of(row.fields, field);
}

std::map<std::pair<std::string, std::string>, std::vector<std::string>> stale_alert_last4(
    const std::vector<audit_row>& rows) {
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> out;
    for (auto& r : rows) {
        if (std::find(r.findings.begin(), r.findings.end(), stale_alert_secret) == r.findings.end())
            continue;
        const notification_type* t = find_notification_type(std::string_view(r.type).substr(6));
        auto last4 = last_four(alert_row_secret_shown(r));
        // Nothing visible to match by (a fully masked value): apply could not tell it apart.
        if (!t || t->integration_type.empty() || last4.empty() ||
            last4.find('*') != std::string::npos)
            continue;
        auto& v = out[{r.project_id, std::string(t->integration_type)}];
        if (std::find(v.begin(), v.end(), last4) == v.end()) v.push_back(last4);
    }
    return out;
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
    bool with_org = std::any_of(rows.begin(), rows.end(),
                                [](const json::object& r) { return r.contains("orgId"); });
    bool with_stale = std::any_of(rows.begin(), rows.end(),
                                  [](const json::object& r) { return r.contains("fromLast4"); });
    out = with_org ? "projectId,orgId,type" : "projectId,type";
    if (with_stale) out += ",fromLast4";
    for (auto& c : cols) out += "," + c;
    out += "\n";
    for (auto& r : rows) {
        out += csv_cell(str_of(r, "projectId")) + ",";
        if (with_org) out += csv_cell(str_of(r, "orgId")) + ",";
        out += csv_cell(str_of(r, "type"));
        if (with_stale) out += "," + csv_cell(str_of(r, "fromLast4"));
        for (auto& c : cols) {
            out += ",";
            if (auto* v = r.if_contains(c)) out += csv_cell(cell_text(*v));
        }
        out += "\n";
    }
    return out;
}

}  // namespace cmbulk
