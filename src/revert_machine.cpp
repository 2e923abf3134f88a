// The per-row machine of `cmbulk revert`: read, decide (revert_plan), write (row_plan). See
// revert_machine.hpp.
#include "cmbulk/revert_machine.hpp"

#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

bool is_secret_field(std::string_view type, std::string_view name) {
    const type_spec* t = find_type(type);
    const field_spec* f = t ? t->find_field(name) : nullptr;
    return f && f->secret != secrecy::none;
}

api_request read_request_of(const revert_row& r) {
    if (r.alert) return get_alert_config_request(r.ref.project_id, r.alert->config_id);
    return get_integration_request(r.ref.project_id, r.ref.type);
}

plan_action action_for(revert_kind k) {
    if (k == revert_kind::remove) return plan_action::del;
    if (k == revert_kind::put_back) return plan_action::update;
    return plan_action::create;
}

}  // namespace

bool shows_before_image(const recorded_integration_change& c, const json::object& now,
                        const supplied_secrets& secrets) {
    if (!c.before) return false;
    for (auto& kv : *c.before) {
        auto key = kv.key();
        if (key == "id" || key == "links") continue;
        auto* is = now.if_contains(key);
        bool masked = kv.value().is_string() && looks_masked(kv.value().get_string());
        if (masked || is_secret_field(c.type, key)) {
            // A secret: the supplied old value's last four must show (masked: nothing to see).
            auto it = secrets.find(std::string(key));
            if (it == secrets.end()) continue;
            if (!is || !is->is_string()) return false;
            if (last_four(std::string_view(is->get_string())) != last_four(it->second))
                return false;
            continue;
        }
        if (!is || *is != kv.value()) return false;
    }
    return true;
}

revert_machine::revert_machine(revert_row row, supplied_secrets secrets, bool plan_only)
    : row_(std::move(row)),
      secrets_(std::move(secrets)),
      plan_only_(plan_only),
      read_(read_request_of(row_)) {}

item_step revert_machine::start(retry_policy& policy) { return read_.start(policy); }

item_step revert_machine::end(outcome o, std::string code, std::string detail, int status) {
    result_ = o;
    error_code_ = std::move(code);
    detail_ = std::move(detail);
    status_ = status;
    return item_step{};  // done
}

item_step revert_machine::next(api_call_result r, retry_policy& policy) {
    if (!write_) {
        auto s = read_.next(std::move(r), policy);
        if (s.kind != item_step::done) return s;
        return decide(read_.result(), policy);
    }
    plan_response pr = plan_response_of(r);
    if (writing_read_ && !row_.alert && r.status == 200 && r.body.is_object())
        pr.found_secret_last4 = identifying_last4(row_.ref.type, r.body.get_object());
    auto s = to_step(write_->next(pr, policy));
    if (s.kind == item_step::done) {
        result_ = write_->result();
        status_ = write_->http_status();
        error_code_ = write_->error_code();
        if (result_ == outcome::failed || !write_->detail().empty()) detail_ = write_->detail();
    }
    return s;
}

item_step revert_machine::decide(const api_call_result& r, retry_policy& policy) {
    if (row_.alert) return decide_alert(r, policy);
    std::optional<json::object> now;
    if (r.status == 200 && r.body.is_object()) {
        now = r.body.get_object();
    } else if (!(r.status == 404 && r.api_error == api_errc::integration_not_configured)) {
        kind_ = "failed";
        return end(outcome::failed, r.error_code, "the read failed: " + describe_failure(r),
                   r.status);
    }
    const auto& c = row_.change;
    if (!row_.has_before && c.done != "created") {
        kind_ = std::string(no_before_image);
        return end(outcome::failed, "NO_BEFORE_IMAGE",
                   "the checkpoint holds no before-image of this " + c.done +
                       " integration (written by an older cmbulk): nothing sent");
    }
    auto d = decide_integration_revert(c, now, secrets_);
    if (d.kind == revert_kind::changed_since && now && shows_before_image(c, *now, secrets_))
        d = revert_decision{revert_kind::nothing, {}, "already as before the run", {}};
    kind_ = std::string(to_string(d.kind));
    switch (d.kind) {
        case revert_kind::nothing:
            return end(outcome::unchanged, "", d.detail);
        case revert_kind::changed_since:
            return end(outcome::unchanged, "CHANGED_SINCE", d.detail + ": left alone");
        case revert_kind::needs_secret:
            return end(outcome::failed, "NEEDS_SECRET", d.detail + "; nothing sent");
        default:
            break;
    }
    body_ = std::move(d.body);
    body_.erase("type");
    sent_last4_ = identifying_last4(c.type, body_);
    return write(std::move(d), policy);
}

item_step revert_machine::write(revert_decision d, retry_policy& policy) {
    detail_ = d.detail;
    if (plan_only_) return end(outcome::not_run, "", d.detail);
    write_.emplace(action_for(d.kind), sent_last4_, false, plan_checks{}, row_.ref.project_id);
    return to_step(write_->start(policy));
}

item_step revert_machine::decide_alert(const api_call_result& r, retry_policy& policy) {
    const auto& c = *row_.alert;
    if (!row_.has_before) {
        kind_ = std::string(no_before_image);
        return end(outcome::failed, "NO_BEFORE_IMAGE",
                   "the checkpoint holds no before-image of this alert configuration (written "
                   "by an older cmbulk): nothing sent");
    }
    if (r.status == 404 && r.api_error == api_errc::alert_config_not_found) {
        kind_ = std::string(to_string(revert_kind::changed_since));
        return end(outcome::unchanged, "CHANGED_SINCE", "deleted since the run: left alone");
    }
    if (r.status != 200 || !r.body.is_object()) {
        kind_ = "failed";
        return end(outcome::failed, r.error_code, "the read failed: " + describe_failure(r),
                   r.status);
    }
    const auto& now = r.body.get_object();
    auto d = decide_alert_revert(c, now, secrets_);
    if (d.kind == revert_kind::changed_since && alert_shows_before(c, now))
        d = revert_decision{revert_kind::nothing, {}, "already as before the run", {}};
    kind_ = std::string(to_string(d.kind));
    switch (d.kind) {
        case revert_kind::changed_since:
            return end(outcome::unchanged, "CHANGED_SINCE", d.detail + ": left alone");
        case revert_kind::needs_secret:
            return end(outcome::failed, "NEEDS_SECRET", d.detail + "; nothing sent");
        case revert_kind::put_back:
            break;
        default:
            return end(outcome::unchanged, "", d.detail);
    }
    body_ = std::move(d.body);
    sent_last4_ = c.changes.empty() ? std::string() : c.changes.front().old_last4;
    return write(std::move(d), policy);
}

api_request revert_machine::request_for(plan_request p) const {
    const auto& ref = row_.ref;
    if (row_.alert) {
        // An alert configuration is only put back (row_plan's update: PUT, or a read).
        if (p == plan_request::put)
            return update_alert_config_request(ref.project_id, row_.alert->config_id, body_);
        return get_alert_config_request(ref.project_id, row_.alert->config_id);
    }
    switch (p) {
        case plan_request::get:
            return get_integration_request(ref.project_id, ref.type);
        case plan_request::post:
            return create_integration_request(ref.project_id, ref.type, body_);
        case plan_request::put:
            return update_integration_request(ref.project_id, ref.type, body_);
        case plan_request::del:
            break;
    }
    return delete_integration_request(ref.project_id, ref.type);
}

item_step revert_machine::to_step(const plan_step& s) {
    item_step out;
    if (s.kind == plan_step::done) return out;
    if (s.kind == plan_step::fatal) {
        out.kind = item_step::fatal;
        out.reason = write_->detail();
        return out;
    }
    writing_read_ = s.request == plan_request::get;
    out.kind = item_step::send;
    out.request = request_for(s.request);
    out.delay = s.delay;
    out.changes_state = s.changes_state;
    out.retry = s.retry;
    return out;
}

}  // namespace cmbulk
