// Pacing per scope key; see scope_pacer.hpp for the rules.
#include "cmbulk/scope_pacer.hpp"

#include <algorithm>
#include <cctype>

namespace cmbulk {
namespace json = boost::json;

namespace {

std::vector<std::string_view> segments(std::string_view p) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < p.size();) {
        auto j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        if (j > i) out.push_back(p.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

bool hex24_at(std::string_view s, std::size_t pos) {
    if (s.size() < pos + 24) return false;
    return std::all_of(s.begin() + pos, s.begin() + pos + 24,
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

/// Whether a refused set's path names a project's resource: "{groupId}" or "groups/<24 hex>".
bool names_a_project(std::string_view set) {
    if (set.find("{groupId}") != std::string_view::npos) return true;
    for (auto pos = set.find("groups/"); pos != std::string_view::npos;
         pos = set.find("groups/", pos + 1))
        if (hex24_at(set, pos + 7)) return true;
    return false;
}

double number_of(const json::value& v) {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return -1;
}

pacing_feedback to_pacing(const scope_feedback& fb) {
    pacing_feedback p;
    p.status = fb.status;
    p.remaining = fb.remaining;
    p.limit = fb.limit;
    p.retry_after = fb.retry_after;
    p.hint = fb.hint;
    return p;
}

}  // namespace

std::string endpoint_family(std::string_view api_path) {
    auto s = segments(api_path);
    if (s.empty()) return "";
    if (s[0] == "groups" && s.size() >= 3) return "groups/{groupId}/" + std::string(s[2]);
    if (s[0] == "groups" && s.size() == 2) return "groups/{groupId}";
    if (s[0] == "orgs" && s.size() >= 3) return "orgs/{orgId}/" + std::string(s[2]);
    if (s[0] == "orgs" && s.size() == 2) return "orgs/{orgId}";
    return std::string(s[0]);
}

std::vector<known_limit> parse_rate_limits(const json::value& body) {
    std::vector<known_limit> out;
    auto* results = body.is_object() ? body.get_object().if_contains("results") : nullptr;
    if (!results || !results->is_array()) return out;
    for (auto& r : results->get_array()) {
        if (!r.is_object()) continue;
        auto& o = r.get_object();
        known_limit k;
        auto* name = o.if_contains("endpointSetName");
        auto* scope = o.if_contains("scope");
        if (!name || !name->is_string() || !scope || !scope->is_string()) continue;
        k.name = std::string(name->get_string());
        k.reach = scope->get_string() == "PROJECT" ? limit_reach::project : limit_reach::credential;
        k.capacity = o.contains("capacity") ? number_of(o.at("capacity")) : -1;
        double refill = o.contains("refillRate") ? number_of(o.at("refillRate")) : -1;
        double period =
            o.contains("refillDurationSeconds") ? number_of(o.at("refillDurationSeconds")) : -1;
        if (k.capacity <= 0 || refill <= 0 || period <= 0) continue;
        k.refill_per_second = refill / period;
        if (auto* e = o.if_contains("endpoints"); e && e->is_array())
            for (auto& x : e->get_array())
                if (x.is_string()) k.endpoints.emplace_back(x.get_string());
        out.push_back(std::move(k));
    }
    return out;
}

limit_reach reach_of(std::string_view api_path, const scope_feedback& fb,
                     const std::vector<known_limit>& table, bool project_request) {
    auto family = endpoint_family(api_path);
    const known_limit* any = nullptr;
    for (auto& k : table)
        for (auto& e : k.endpoints) {
            if (e == family) return k.reach;
            if (e == "*" && !any) any = &k;
        }
    if (fb.error_code == "RATE_LIMITED_TOKEN_BUCKET" && !fb.refused_set.empty())
        return names_a_project(fb.refused_set) ? limit_reach::project : limit_reach::credential;
    if (any) return any->reach;
    return project_request ? limit_reach::project : limit_reach::credential;
}

scope_pacer::scope_pacer(pacing_params params, time_point) : params_(params) {}

std::string scope_pacer::set_of_(std::string_view api_path) const {
    auto family = endpoint_family(api_path);
    const known_limit *everything = nullptr, *any = nullptr;
    for (auto& k : table_)
        for (auto& e : k.endpoints) {
            if (e == family && k.reach == limit_reach::credential) return "limit:" + k.name;
            if (e == family && !any) any = &k;
            if (e == "*" && k.reach == limit_reach::credential && !everything) everything = &k;
        }
    if (everything) return "limit:" + everything->name;
    if (any) return "limit:" + any->name;
    if (auto it = refused_sets_.find(family); it != refused_sets_.end()) return it->second;
    // Unsaid: a project's resources share one set (the integrations set covers about 34 resource
    // families, alertConfigs among them); every other family is a set of its own.
    return family.starts_with("groups/{groupId}") ? "family:project resources" : "family:" + family;
}

rate_controller& scope_pacer::credential_(const std::string& id, std::string_view api_path,
                                          time_point now) {
    auto set = set_of_(api_path);
    auto key = id + '\n' + set;
    auto it = credentials_.find(key);
    if (it != credentials_.end()) return it->second;
    // The user's --rate is a cap on the whole credential (cap_), not on each set.
    auto per_set = params_;
    per_set.rate = per_set.burst = 0;
    it = credentials_.emplace(key, rate_controller(per_set, now)).first;
    // A credential-wide limit known beforehand: pace its set at it from the start.
    for (auto& k : table_)
        if (k.reach == limit_reach::credential && set == "limit:" + k.name)
            it->second.apply_hint(now, server_rate_hint{k.capacity, k.refill_per_second});
    return it->second;
}

duration scope_pacer::reserve_cap_(const std::string& id, time_point now) {
    if (params_.rate <= 0) return duration::zero();
    auto it = caps_.find(id);
    if (it == caps_.end()) {
        double burst = params_.burst > 0 ? params_.burst : std::max(1.0, params_.rate / 10.0);
        it = caps_.emplace(id, token_bucket(params_.rate, burst, now)).first;
    }
    return it->second.reserve(now);
}

const known_limit* scope_pacer::table_entry_(std::string_view api_path) const {
    auto family = endpoint_family(api_path);
    for (auto& k : table_)
        if (std::find(k.endpoints.begin(), k.endpoints.end(), family) != k.endpoints.end())
            return &k;
    return nullptr;
}

void scope_pacer::learn(std::vector<known_limit> table, time_point) {
    table_ = std::move(table);
    for (auto& k : table_)
        if (k.reach == limit_reach::credential) credential_capacities_.push_back(k.capacity);
}

time_point scope_pacer::project_ready_at(const pace_scope& s, time_point now) const {
    if (s.project.empty()) return now;
    auto it = projects_.find(s.credential + "/" + s.project);
    if (it == projects_.end()) return now;
    auto ready = std::max(now, it->second.not_before);
    if (it->second.bucket) ready = std::max(ready, now + it->second.bucket->time_until(now));
    return ready;
}

duration scope_pacer::reserve(const pace_scope& s, std::string_view api_path, time_point now) {
    auto wait = credential_(s.credential, api_path, now).reserve(now);
    wait = std::max(wait, reserve_cap_(s.credential, now));
    if (s.project.empty()) return wait;
    auto key = s.credential + "/" + s.project;
    auto it = projects_.find(key);
    if (it == projects_.end()) {
        // A per-project limit described beforehand: the project's bucket from its first request.
        const known_limit* k = table_entry_(api_path);
        if (!k || k->reach != limit_reach::project) return wait;
        it = projects_.emplace(key, project_pace{}).first;
        it->second.bucket.emplace(k->refill_per_second, k->capacity, now);
    }
    auto& p = it->second;
    duration own = p.not_before > now ? p.not_before - now : duration::zero();
    if (p.bucket) own = std::max(own, p.bucket->reserve(now));
    return std::max(wait, own);
}

void scope_pacer::defer_project_(project_pace& p, time_point now, const scope_feedback& fb,
                                 const known_limit* known) {
    auto pause = fb.retry_after.value_or(params_.default_pause);
    p.not_before = std::max(p.not_before, now + pause);
    std::optional<server_rate_hint> bucket = fb.hint;
    if (!bucket && known) bucket = server_rate_hint{known->capacity, known->refill_per_second};
    if (bucket) {
        // The server's bucket for this project is empty now (that is what the 429 says) and
        // refills at its rate: model it so, and the project's next requests leave one per refill,
        // not all together when the pause is over.
        if (!p.bucket)
            p.bucket.emplace(bucket->refill_per_second, bucket->capacity, now);
        else
            p.bucket->set_rate(bucket->refill_per_second, bucket->capacity, now);
        if (double left = p.bucket->available(now); left > 0) p.bucket->reserve(now, left);
    }
}

void scope_pacer::on_response(const pace_scope& s, std::string_view api_path, time_point now,
                              const scope_feedback& fb) {
    bool project_request = !s.project.empty();
    const known_limit* known = table_entry_(api_path);
    if (fb.status == 429) {
        if (reach_of(api_path, fb, table_, project_request) == limit_reach::project &&
            project_request) {
            ++project_throttles_;
            defer_project_(projects_[s.credential + "/" + s.project], now, fb, known);
            return;  // nothing else slows down
        }
        ++credential_throttles_;
        if (fb.hint) credential_capacities_.push_back(fb.hint->capacity);
        // The set the refusal names is shared by every family refused under that name.
        if (fb.error_code == "RATE_LIMITED_TOKEN_BUCKET" && !fb.refused_set.empty() &&
            set_of_(api_path).starts_with("family:"))
            refused_sets_[endpoint_family(api_path)] = "refused:" + fb.refused_set;
        credential_(s.credential, api_path, now).on_response(now, to_pacing(fb));
        return;
    }
    auto& cred = credential_(s.credential, api_path, now);
    // A RateLimit header: whose counter is it?
    bool credential_counter =
        !project_request || (known && known->reach == limit_reach::credential) ||
        (!known && std::find(credential_capacities_.begin(), credential_capacities_.end(),
                             fb.limit) != credential_capacities_.end());
    if (credential_counter) {
        cred.on_response(now, to_pacing(fb));
        return;
    }
    auto pf = to_pacing(fb);
    pf.remaining = pf.limit = -1;  // a project's counter says nothing of the credential's pace
    cred.on_response(now, pf);
    if (fb.remaining >= 0 && fb.remaining < 1) {
        // The project's bucket is empty: its next request waits for one token, when the refill
        // is known (else the server's 429 will tell it).
        auto it = projects_.find(s.credential + "/" + s.project);
        double refill = known ? known->refill_per_second : 0;
        if (it != projects_.end() && it->second.bucket) refill = it->second.bucket->rate();
        if (refill > 0) {
            auto& p = projects_[s.credential + "/" + s.project];
            auto one =
                std::chrono::duration_cast<duration>(std::chrono::duration<double>(1.0 / refill));
            p.not_before = std::max(p.not_before, now + one);
        }
    }
}

namespace {
/// Whether a pace key (credential, newline, set) is one of `credential`'s.
bool of_credential(const std::string& key, std::string_view credential) {
    return key.size() > credential.size() && key.starts_with(credential) &&
           key[credential.size()] == '\n';
}
}  // namespace

double scope_pacer::current_rate(std::string_view credential) const {
    double sum = 0;
    for (auto& [key, c] : credentials_)
        if (of_credential(key, credential)) sum += c.current_rate();
    if (params_.rate > 0 && caps_.contains(std::string(credential)))
        sum = sum > 0 ? std::min(sum, params_.rate) : params_.rate;
    return sum;
}

double scope_pacer::total_rate() const {
    double sum = 0;
    std::string last;
    for (auto& [key, c] : credentials_) {
        auto id = key.substr(0, key.find('\n'));
        if (id != last) sum += current_rate(id);
        last = id;
    }
    return sum;
}

time_point scope_pacer::paused_until(std::string_view credential) const {
    time_point latest{};
    for (auto& [key, c] : credentials_)
        if (of_credential(key, credential)) latest = std::max(latest, c.paused_until());
    return latest;
}

time_point scope_pacer::paused_until(std::string_view credential, std::string_view api_path) const {
    auto it = credentials_.find(std::string(credential) + '\n' + set_of_(api_path));
    return it == credentials_.end() ? time_point{} : it->second.paused_until();
}

time_point scope_pacer::latest_pause() const {
    time_point latest{};
    for (auto& [key, c] : credentials_) latest = std::max(latest, c.paused_until());
    return latest;
}

}  // namespace cmbulk
