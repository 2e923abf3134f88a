// Pacing per scope key; see scope_pacer.hpp for the rules.
#include "cmbulk/scope_pacer.hpp"

#include <algorithm>
#include <cctype>

namespace cmbulk {
namespace json = boost::json;

namespace {

/// The first `n` segments of a path ("/groups/ID/integrations/SLACK"), fewer when it has
/// fewer; how many it found.
std::size_t first_segments(std::string_view p, std::string_view (&out)[3]) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < p.size() && n < 3;) {
        auto j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        if (j > i) out[n++] = p.substr(i, j - i);
        i = j + 1;
    }
    return n;
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

void endpoint_family_into(std::string_view api_path, std::string& out) {
    std::string_view s[3];
    auto n = first_segments(api_path, s);
    out.clear();
    if (n == 0) return;
    if ((s[0] == "groups" || s[0] == "orgs") && n >= 2) {
        out.append(s[0] == "groups" ? "groups/{groupId}" : "orgs/{orgId}");
        if (n == 3) out.append("/").append(s[2]);
        return;
    }
    out.assign(s[0]);
}

std::string endpoint_family(std::string_view api_path) {
    std::string out;
    endpoint_family_into(api_path, out);
    return out;
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

namespace {
limit_reach reach_of_family(std::string_view family, const scope_feedback& fb,
                            const std::vector<known_limit>& table, bool project_request) {
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
}  // namespace

limit_reach reach_of(std::string_view api_path, const scope_feedback& fb,
                     const std::vector<known_limit>& table, bool project_request) {
    return reach_of_family(endpoint_family(api_path), fb, table, project_request);
}

scope_pacer::scope_pacer(pacing_params params, time_point) : params_(params) {}

const std::string& scope_pacer::set_of_(std::string_view family) const {
    // Few families exist (a path's first segments): each one's set is decided once, again
    // after learn() or a refusal that names a set.
    if (auto it = set_cache_.find(family); it != set_cache_.end()) return it->second;
    return set_cache_.emplace(std::string(family), decide_set_(family)).first->second;
}

std::string scope_pacer::decide_set_(std::string_view family) const {
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
    return family.starts_with("groups/{groupId}") ? std::string("family:project resources")
                                                  : "family:" + std::string(family);
}

rate_controller& scope_pacer::credential_(std::string_view id, std::string_view family,
                                          time_point now) {
    // Nearly every request of a run is the same credential's to the same family: the last
    // answer is kept (map nodes stay put; the sets are decided anew after learn or a refusal).
    if (last_controller_ && id == last_credential_ && family == last_family_)
        return *last_controller_;
    auto& c = find_credential_(id, family, now);
    last_credential_.assign(id);
    last_family_.assign(family);
    last_controller_ = &c;
    return c;
}

rate_controller& scope_pacer::find_credential_(std::string_view id, std::string_view family,
                                               time_point now) {
    const auto& set = set_of_(family);
    key_buf_.assign(id).append(1, '\n').append(set);
    auto it = credentials_.find(key_buf_);
    if (it != credentials_.end()) return it->second;
    const std::string key = key_buf_;
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

duration scope_pacer::reserve_cap_(std::string_view id, time_point now) {
    if (params_.rate <= 0) return duration::zero();
    auto it = caps_.find(id);
    if (it == caps_.end()) {
        double burst = params_.burst > 0 ? params_.burst : std::max(1.0, params_.rate / 10.0);
        it = caps_.emplace(std::string(id), token_bucket(params_.rate, burst, now)).first;
    }
    return it->second.reserve(now);
}

const known_limit* scope_pacer::table_entry_(std::string_view family) const {
    for (auto& k : table_)
        if (std::find(k.endpoints.begin(), k.endpoints.end(), family) != k.endpoints.end())
            return &k;
    return nullptr;
}

void scope_pacer::learn(std::vector<known_limit> table, time_point) {
    table_ = std::move(table);
    set_cache_.clear();
    last_controller_ = nullptr;
    for (auto& k : table_)
        if (k.reach == limit_reach::credential) credential_capacities_.push_back(k.capacity);
}

const std::string& scope_pacer::family_of_(std::string_view api_path) const {
    endpoint_family_into(api_path, family_buf_);
    return family_buf_;
}

const std::string& scope_pacer::project_key_(const pace_scope& s) const {
    project_key_buf_.assign(s.credential).append(1, '/').append(s.project);
    return project_key_buf_;
}

time_point scope_pacer::project_ready_at(const pace_scope& s, time_point now) const {
    if (s.project.empty() || projects_.empty()) return now;
    auto it = projects_.find(project_key_(s));
    if (it == projects_.end()) return now;
    auto ready = std::max(now, it->second.not_before);
    if (it->second.bucket) ready = std::max(ready, now + it->second.bucket->time_until(now));
    return ready;
}

duration scope_pacer::reserve(const pace_scope& s, std::string_view api_path, time_point now) {
    std::string_view family = family_of_(api_path);
    auto wait = credential_(s.credential, family, now).reserve(now);
    wait = std::max(wait, reserve_cap_(s.credential, now));
    if (s.project.empty()) return wait;
    if (projects_.empty() && table_.empty()) return wait;  // no project paced, none to be
    auto it = projects_.find(project_key_(s));
    if (it == projects_.end()) {
        // A per-project limit described beforehand: the project's bucket from its first request.
        const known_limit* k = table_entry_(family);
        if (!k || k->reach != limit_reach::project) return wait;
        it = projects_.emplace(project_key_(s), project_pace{}).first;
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
    std::string_view family = family_of_(api_path);
    const known_limit* known = table_entry_(family);
    if (fb.status == 429) {
        if (reach_of_family(family, fb, table_, project_request) == limit_reach::project &&
            project_request) {
            ++project_throttles_;
            defer_project_(projects_[project_key_(s)], now, fb, known);
            return;  // nothing else slows down
        }
        ++credential_throttles_;
        if (fb.hint) credential_capacities_.push_back(fb.hint->capacity);
        // The set the refusal names is shared by every family refused under that name.
        if (fb.error_code == "RATE_LIMITED_TOKEN_BUCKET" && !fb.refused_set.empty() &&
            set_of_(family).starts_with("family:")) {
            refused_sets_[std::string(family)] = "refused:" + fb.refused_set;
            set_cache_.clear();
            last_controller_ = nullptr;
        }
        credential_(s.credential, family, now).on_response(now, to_pacing(fb));
        return;
    }
    auto& cred = credential_(s.credential, family, now);
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
        auto it = projects_.find(project_key_(s));
        double refill = known ? known->refill_per_second : 0;
        if (it != projects_.end() && it->second.bucket) refill = it->second.bucket->rate();
        if (refill > 0) {
            auto& p = projects_[project_key_(s)];
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
    key_buf_.assign(credential).append(1, '\n').append(set_of_(family_of_(api_path)));
    auto it = credentials_.find(key_buf_);
    return it == credentials_.end() ? time_point{} : it->second.paused_until();
}

time_point scope_pacer::latest_pause() const {
    time_point latest{};
    for (auto& [key, c] : credentials_) latest = std::max(latest, c.paused_until());
    return latest;
}

}  // namespace cmbulk
