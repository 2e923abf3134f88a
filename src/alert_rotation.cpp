// The alert half of a rotation as a machine: list, then rewrite and PUT each config that still
// carries the old secret (re-read first when a resume says its PUT may have landed), then read
// it back under --verify. See alert_rotation.hpp.
#include "cmbulk/alert_rotation.hpp"

#include "audit_detail.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

bool is_2xx(int s) { return s >= 200 && s <= 299; }

bool config_gone(const api_call_result& r) {
    return r.failure == attempt_failure::none && r.status == 404 &&
           r.api_error == api_errc::alert_config_not_found;
}

}  // namespace

alert_rotation::alert_rotation(alert_rotation_params p)
    : p_(std::move(p)),
      pager_(&alert_configs_page_request, p_.group_id, p_.page_size),
      read_(api_request{}) {}

item_step alert_rotation::counted(item_step s) {
    if (s.kind == item_step::send) {
        ++attempts_;
        ++current_.attempts;
    }
    return s;
}

item_step alert_rotation::start(retry_policy& policy) { return counted(pager_.start(policy)); }

item_step alert_rotation::next(api_call_result r, retry_policy& policy) {
    switch (phase_) {
        case phase::listing: {
            auto s = pager_.next(std::move(r), policy);
            if (s.kind != item_step::done) return counted(std::move(s));
            if (pager_.failed()) {
                list_failed_ = true;
                list_failure_ = describe_failure(pager_.failure());
                phase_ = phase::done;
                return {};
            }
            configs_ = std::move(pager_.results());
            listed_ = configs_.size();
            return next_config(policy);
        }
        case phase::rereading:
            return after_reread(std::move(r), policy);
        case phase::putting:
            return after_put(std::move(r), policy);
        case phase::verifying:
            return after_verify(std::move(r), policy);
        case phase::done:
            break;
    }
    return {};
}

item_step alert_rotation::next_config(retry_policy& policy) {
    while (next_ < configs_.size()) {
        const auto& config = configs_[next_++];
        current_ = {};
        current_.config_id = detail::str_of(config, "id");
        current_.event_type = detail::str_of(config, "eventTypeName");
        current_id_ = current_.config_id;
        failed_ = overloaded_ = 0;
        if (p_.reread.count(current_id_)) {
            // Its PUT may have landed before the kill: the rewrite is decided from a read of
            // this config alone, made now.
            phase_ = phase::rereading;
            read_ = read_machine(get_alert_config_request(p_.group_id, current_id_));
            return counted(read_.start(policy));
        }
        auto s = begin_put(config, policy);
        if (s.kind != item_step::done) return s;
    }
    current_id_.clear();
    phase_ = phase::done;
    return {};
}

item_step alert_rotation::begin_put(const json::object& config, retry_policy& policy) {
    auto rw = rewrite_alert_config(config, p_.rotation);
    linked_ += rw.linked;
    if (!rw.refusal.empty()) {
        // Nothing may be sent for it: recorded as failed, the others go on.
        current_.changes = std::move(rw.changes);
        current_.result = outcome::failed;
        current_.error_code = "ALERT_REWRITE_REFUSED";
        current_.detail = rw.refusal;
        results_.push_back(current_);
        return {};
    }
    if (!rw.needs_put) return {};
    current_.changes = std::move(rw.changes);
    body_ = std::move(rw.body);
    as_read_ = config;
    phase_ = phase::putting;
    policy.budget.on_first_attempt();
    item_step s;
    s.kind = item_step::send;
    s.request = update_alert_config_request(p_.group_id, current_id_, body_);
    s.changes_state = true;
    return counted(std::move(s));
}

item_step alert_rotation::after_reread(api_call_result r, retry_policy& policy) {
    auto s = read_.next(std::move(r), policy);
    if (s.kind != item_step::done) return counted(std::move(s));
    auto& answer = read_.result();
    if (config_gone(answer))
        return end_config(outcome::unchanged, answer, policy, "deleted since it was read");
    if (answer.status != 200 || !answer.body.is_object())
        return end_config(outcome::failed, answer, policy,
                          "re-read failed: " + describe_failure(answer));
    auto config = std::move(answer.body.get_object());
    auto put = begin_put(config, policy);
    if (put.kind != item_step::done) return put;
    if (current_.result == outcome::not_run) {
        // Nothing carries the old secret any more: the interrupted run's PUT landed.
        current_.result = outcome::updated;
        current_.detail = "rewritten by the interrupted run";
        results_.push_back(current_);
    }
    return next_config(policy);
}

item_step alert_rotation::after_put(api_call_result r, retry_policy& policy) {
    auto facts = facts_of(r);
    auto v = classify(facts, request_facts{true, r.credential_answered, true});
    if (v == verdict::fatal) {
        current_.result = outcome::failed;
        current_.http_status = r.status;
        current_.error_code = r.error_code;
        current_.detail = r.detail;
        results_.push_back(current_);
        phase_ = phase::done;
        item_step s;
        s.kind = item_step::fatal;
        s.reason = fatal_reason(facts, r.detail);
        return s;
    }
    if (r.failure == attempt_failure::none && is_2xx(r.status)) {
        if (!p_.verify) return end_config(outcome::updated, r, policy);
        phase_ = phase::verifying;
        failed_ = overloaded_ = 0;
        current_.http_status = r.status;
        read_ = read_machine(get_alert_config_request(p_.group_id, current_id_));
        return counted(read_.start(policy));
    }
    if (config_gone(r))
        return end_config(outcome::unchanged, r, policy, "deleted since it was read");
    if (v == verdict::retry || v == verdict::ambiguous) {
        auto d = decide_retry(facts, r.retry_after, failed_, overloaded_, policy);
        if (!d.give_up) {
            item_step s;
            s.kind = item_step::send;
            s.request = update_alert_config_request(p_.group_id, current_id_, body_);
            s.changes_state = true;
            s.retry = true;
            s.delay = d.delay;
            return counted(std::move(s));
        }
        return end_config(outcome::failed, r, policy,
                          d.budget_spent ? "retry budget exhausted: the server keeps failing"
                                         : "gave up after " + std::to_string(current_.attempts) +
                                               " attempts: " + describe_failure(r));
    }
    return end_config(refusal_outcome(facts), r, policy, describe_failure(r));
}

item_step alert_rotation::after_verify(api_call_result r, retry_policy& policy) {
    auto s = read_.next(std::move(r), policy);
    if (s.kind != item_step::done) return counted(std::move(s));
    auto& answer = read_.result();
    if (answer.status == 200 && answer.body.is_object()) {
        bool good = shows_rotation(answer.body.get_object(), current_.changes, p_.rotation);
        return end_config(good ? outcome::verified : outcome::mismatch, answer, policy,
                          good ? std::string() : "does not show the new secret after the PUT");
    }
    return end_config(outcome::failed, answer, policy,
                      "updated, but the verification read failed: " + describe_failure(answer));
}

item_step alert_rotation::end_config(outcome o, const api_call_result& r, retry_policy& policy,
                                     std::string detail) {
    current_.result = o;
    current_.http_status = r.status;
    current_.error_code = r.error_code;
    current_.detail = std::move(detail);
    results_.push_back(current_);
    return next_config(policy);
}

bool alert_rotation::all_done() const {
    if (list_failed_) return false;
    for (auto& r : results_)
        if (!is_success(r.result)) return false;
    return true;
}

bool shows_rotation(const json::object& config, const std::vector<notification_change>& changes,
                    const secret_rotation& rotation) {
    auto* list = config.if_contains("notifications");
    if (!list || !list->is_array()) return changes.empty();
    auto& ns = list->get_array();
    for (auto& c : changes) {
        if (c.index >= ns.size() || !ns[c.index].is_object()) return false;
        auto& n = ns[c.index].get_object();
        if (c.linked) {
            if (detail::str_of(n, "integrationId") != rotation.link_integration_id) return false;
            continue;
        }
        if (c.new_last4.empty()) continue;
        auto shown = detail::str_of(n, c.field);
        if (shown.size() < 4 || shown.compare(shown.size() - 4, 4, c.new_last4) != 0) return false;
    }
    return true;
}

}  // namespace cmbulk
