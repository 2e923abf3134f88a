// The alert half of one apply row: the old secret, the alert machine, and what the row records.
// See apply_rotation.hpp.
#include "cmbulk/row_rotation.hpp"

#include <set>

#include "cmbulk/alert_catalogue.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk {

namespace {

std::string str_at(const boost::json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::string describe_alert_step(const alert_step_result& r) {
    std::string d = r.event_type;
    std::string_view sep = ": ";
    for (auto& c : r.changes) {
        d += d.empty() ? "" : std::string(sep);
        sep = "; ";
        d += c.type_name + " " + c.field + " " + (c.old_last4.empty() ? "?" : c.old_last4) +
             " -> " + (c.linked ? std::string("linked") : c.new_last4);
    }
    if (!r.detail.empty()) d += (d.empty() ? "" : ": ") + r.detail;
    return d;
}

row_rotation::row_rotation(const rotation_options& opts, const manifest_row& row, row_action action,
                           const journal_row_state* previous)
    : opts_(opts), previous_(previous) {
    rotation_.integration_type = row.type;
    rotation_.from_last4 = opts.from_last4;
    rotation_.stale_last4 = row.stale_last4;
    const notification_type* t = notification_type_for(row.type);
    if (!opts.enabled || !t || (action != row_action::update && action != row_action::upsert))
        return;
    for (auto& f : t->fields) {
        if (!f.secret() || f.integration_field.empty()) continue;
        auto* v = row.fields.if_contains(f.integration_field);
        if (v && v->is_string())
            rotation_.new_values[std::string(f.integration_field)] = std::string(v->get_string());
    }
    wanted_ = !rotation_.new_values.empty();
    if (wanted_) project_id_ = row.project_id;  // copied only for a rotation (most rows are not)
    if (!previous_) return;
    auto it = previous_->steps.find(std::string(old_secret_step));
    if (it != previous_->steps.end() && it->second.last_outcome) {
        // A resume: the integration may show the new secret already; the old one's last four
        // were recorded before its write.
        old_last4_ = it->second.last_outcome->secret_last4;
        recorded_old_ = true;
        if (rotation_.from_last4.empty()) rotation_.from_last4 = old_last4_;
    }
}

void row_rotation::on_integration_read(const boost::json::object& body, bool before_write) {
    if (integration_id_.empty()) integration_id_ = str_at(body, "id");
    if (!before_write || read_before_ || !wanted_) return;
    read_before_ = true;
    const notification_type* t = notification_type_for(rotation_.integration_type);
    for (auto& f : t->fields) {
        if (!f.secret() || f.integration_field.empty()) continue;
        auto shown = str_at(body, f.integration_field);
        if (shown.empty()) continue;
        rotation_.old_visible[std::string(f.integration_field)] = shown;
        if (old_last4_.empty()) old_last4_ = last_four(shown);
    }
}

std::optional<journal_outcome> row_rotation::old_secret_record() {
    if (!wanted_ || recorded_old_ || old_last4_.empty()) return std::nullopt;
    recorded_old_ = true;
    journal_outcome o;
    o.result = outcome::unchanged;
    o.secret_last4 = old_last4_;
    o.detail = "the old secret's last four, before the write";
    return o;
}

std::optional<secret_rotation> row_rotation::planned(outcome integration) {
    if (!wanted_) return std::nullopt;
    bool stale = !rotation_.stale_last4.empty();
    bool written = integration == outcome::updated || integration == outcome::verified ||
                   integration == outcome::created;
    // A row's fromLast4 names notifications left behind: they are due even when the integration
    // already was what the row says (--skip-unchanged).
    if (!written && !(stale && integration == outcome::unchanged)) return std::nullopt;
    secret_rotation r = rotation_;
    if (stale && opts_.from_last4.empty() && !r.from_last4.empty()) {
        // A resume's recorded old last four that is the new secret's: those notifications
        // already carry the new secret; only the ones left behind are old.
        for (auto& [field, value] : r.new_values)
            if (last_four(value) == r.from_last4) r.from_last4.clear();
    }
    if (r.from_last4.empty()) {
        // created: nothing copied it, unless the row names notifications left behind.
        if (r.old_visible.empty() && !stale) return std::nullopt;
        // The integration showed the new secret already: only the notifications left behind
        // (fromLast4) are old; those showing what it showed carry the new secret.
        bool same = true;
        for (auto& [field, value] : r.new_values) {
            auto it = r.old_visible.find(field);
            same = same && it != r.old_visible.end() &&
                   compare_visible(it->second, value) == visible_match::same;
        }
        if (same && !stale) return std::nullopt;
        if (same) r.old_visible.clear();
    }
    if (opts_.link) {
        if (integration_id_.empty()) {
            skipped_ = "--link-alerts: the integration's id is unknown (Atlas v2 only)";
            return std::nullopt;
        }
        r.link_integration_id = integration_id_;
    }
    return r;
}

std::optional<item_step> row_rotation::start(outcome integration, retry_policy& policy) {
    auto rotation = planned(integration);
    if (!rotation) return std::nullopt;
    alert_rotation_params p;
    p.group_id = project_id_;
    p.rotation = std::move(*rotation);
    p.verify = opts_.verify;
    p.page_size = opts_.page_size;
    if (previous_)
        for (auto& [name, st] : previous_->steps)
            if (starts_with(name, alert_step_prefix) && st.intent_open)
                p.reread.insert(name.substr(alert_step_prefix.size()));
    machine_.emplace(std::move(p));
    return machine_->start(policy);
}

std::string row_rotation::current_step() const {
    return std::string(alert_step_prefix) + (machine_ ? machine_->current_config() : "");
}

outcome row_rotation::row_outcome(outcome integration, std::string& detail) const {
    if (!machine_) {
        if (skipped_.empty()) return integration;
        detail = std::string(to_string(integration)) + "; alerts not changed: " + skipped_;
        return outcome::partial;
    }
    if (machine_->list_failed()) {
        detail = std::string(to_string(integration)) +
                 "; alert configurations not read: " + machine_->list_failure();
        return outcome::partial;
    }
    std::size_t good = 0;
    std::string bad;
    for (auto& r : machine_->results()) {
        if (is_success(r.result)) {
            ++good;
            continue;
        }
        bad += (bad.empty() ? "" : ", ") + r.config_id + " " + std::string(to_string(r.result));
    }
    std::string counts = "alerts: " + std::to_string(good) + " of " +
                         std::to_string(machine_->results().size()) + " configs rewritten (" +
                         std::to_string(machine_->configs_listed()) + " listed)";
    if (bad.empty()) {
        if (good > 0) detail = counts;
        return integration;
    }
    detail = std::string(to_string(integration)) + "; " + counts + "; not rewritten: " + bad;
    return outcome::partial;
}

std::vector<std::pair<std::string, journal_outcome>> row_rotation::step_records() const {
    std::vector<std::pair<std::string, journal_outcome>> out;
    if (!machine_) return out;
    for (auto& r : machine_->results()) {
        journal_outcome o;
        o.result = r.result;
        o.http_status = r.http_status;
        o.error_code = r.error_code;
        o.detail = describe_alert_step(r);
        o.attempts = r.attempts;
        if (!r.changes.empty()) o.secret_last4 = r.changes.front().new_last4;
        out.emplace_back(std::string(alert_step_prefix) + r.config_id, std::move(o));
    }
    return out;
}

std::vector<report_row> row_rotation::report_rows(const report_row& base) const {
    std::vector<report_row> out;
    std::set<std::string> seen;
    for (auto& [step, o] : step_records()) {
        seen.insert(step);
        out.push_back(alert_report_row(base, step, o));
    }
    if (previous_) {
        auto earlier = journal_alert_rows(base, *previous_, seen);
        out.insert(out.end(), earlier.begin(), earlier.end());
    }
    return out;
}

report_row alert_report_row(const report_row& base, const std::string& step,
                            const journal_outcome& o) {
    report_row r = base;
    r.target = "alertConfig:" + step.substr(alert_step_prefix.size());
    r.result = o.result;
    r.http_status = o.http_status;
    r.error_code = o.error_code;
    r.detail = o.detail;
    r.attempts = o.attempts;
    r.duration_ms = 0;
    r.secret_last4 = o.secret_last4;
    return r;
}

std::vector<report_row> journal_alert_rows(const report_row& base, const journal_row_state& prev,
                                           const std::set<std::string>& exclude) {
    std::vector<report_row> out;
    for (auto& [step, st] : prev.steps) {
        if (!starts_with(step, alert_step_prefix) || exclude.count(step) || !st.last_outcome)
            continue;
        // Only what an earlier run finished for good: a failed step is this run's to redo.
        if (!is_success(st.last_outcome->result)) continue;
        out.push_back(alert_report_row(base, step, *st.last_outcome));
    }
    return out;
}

}  // namespace cmbulk
