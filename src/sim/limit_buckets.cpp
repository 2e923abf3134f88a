// The simulator's per-set, per-scope token buckets; see limit_buckets.hpp.
#include "cmbulk/sim/limit_buckets.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

namespace cmbulk::sim {
namespace json = boost::json;

namespace {

std::vector<std::string_view> segments(std::string_view p) {
    std::vector<std::string_view> out;
    while (!p.empty()) {
        if (p.front() == '/') {
            p.remove_prefix(1);
            continue;
        }
        auto slash = p.find('/');
        out.push_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
    }
    return out;
}

/// The resource family as the 429 body names it: "groups/{groupId}/integrations", "orgs", ...
std::string family_of(std::string_view api_path) {
    auto segs = segments(api_path);
    if (segs.empty()) return "";
    if (segs[0] == "groups" && segs.size() >= 3) return "groups/{groupId}/" + std::string(segs[2]);
    if (segs[0] == "groups" && segs.size() == 2) return "groups/{groupId}";
    if (segs[0] == "orgs" && segs.size() >= 3) return "orgs/{orgId}/" + std::string(segs[2]);
    return std::string(segs[0]);
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// A JSON number as the service writes it: an integer when it is one.
json::value json_number(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
    return v;
}

std::string scope_name_upper(limit_scope s) {
    switch (s) {
        case limit_scope::project:
            return "PROJECT";
        case limit_scope::org:
            return "ORGANIZATION";
        case limit_scope::user:
            return "USER";
        case limit_scope::ip:
            return "IP";
    }
    return "PROJECT";
}

}  // namespace

std::string_view to_string(limit_scope s) {
    switch (s) {
        case limit_scope::project:
            return "project";
        case limit_scope::org:
            return "org";
        case limit_scope::user:
            return "user";
        case limit_scope::ip:
            return "ip";
    }
    return "project";
}

std::optional<limit_scope> parse_limit_scope(std::string_view s) {
    if (s == "project") return limit_scope::project;
    if (s == "org") return limit_scope::org;
    if (s == "user") return limit_scope::user;
    if (s == "ip") return limit_scope::ip;
    return std::nullopt;
}

std::string_view endpoint_set_of(std::string_view api_path) {
    auto segs = segments(api_path);
    if (segs.empty()) return "all";
    if (segs[0] == "groups" && segs.size() >= 2) {
        if (segs.size() == 2) return "integrations";  // GET /groups/{id}: a project's resource
        if (segs[2] == "integrations" || segs[2] == "alertConfigs") return "integrations";
        return "all";
    }
    if (segs[0] == "groups" || segs[0] == "orgs") return "projects";
    return "all";
}

std::optional<limit_set> limit_set::parse(std::string_view spec, std::string& error) {
    // NAME=SCOPE:CAPACITY:REFILL/PERIOD
    auto eq = spec.find('=');
    auto c1 = spec.find(':', eq == std::string_view::npos ? 0 : eq);
    auto c2 = c1 == std::string_view::npos ? c1 : spec.find(':', c1 + 1);
    auto slash = c2 == std::string_view::npos ? c2 : spec.find('/', c2 + 1);
    if (eq == std::string_view::npos || c1 == std::string_view::npos ||
        c2 == std::string_view::npos || slash == std::string_view::npos) {
        error =
            "expected NAME=SCOPE:CAPACITY:REFILL/PERIOD_SECONDS, e.g. "
            "integrations=project:1200:1200/60";
        return std::nullopt;
    }
    limit_set s;
    s.name = std::string(spec.substr(0, eq));
    if (s.name != "integrations" && s.name != "projects" && s.name != "all") {
        error = "unknown endpoint set '" + s.name + "' (integrations, projects or all)";
        return std::nullopt;
    }
    auto scope = parse_limit_scope(spec.substr(eq + 1, c1 - eq - 1));
    if (!scope) {
        error = "scope must be project, org, user or ip";
        return std::nullopt;
    }
    s.scope = *scope;
    try {
        s.capacity = std::stod(std::string(spec.substr(c1 + 1, c2 - c1 - 1)));
        s.refill = std::stod(std::string(spec.substr(c2 + 1, slash - c2 - 1)));
        s.period = std::chrono::seconds(std::stoll(std::string(spec.substr(slash + 1))));
    } catch (const std::exception&) {
        error = "capacity, refill and period must be numbers";
        return std::nullopt;
    }
    if (!(s.capacity >= 1) || !(s.refill > 0) || s.period.count() < 1) {
        error = "capacity must be at least 1, refill positive, period at least 1 second";
        return std::nullopt;
    }
    return s;
}

std::string limit_set::spec() const {
    return name + "=" + std::string(to_string(scope)) + ":" + number(capacity) + ":" +
           number(refill) + "/" + std::to_string(period.count());
}

std::vector<limit_set> default_limit_sets() {
    return {limit_set{"integrations", limit_scope::project, 1200, 1200, std::chrono::seconds(60)}};
}

limit_buckets::limit_buckets(std::vector<limit_set> sets) : sets_(std::move(sets)) {}

std::string limit_buckets::key_of(const limit_set& s, const limit_subject& who) const {
    switch (s.scope) {
        case limit_scope::project:
            return who.project_id.empty() ? "user:" + who.user : who.project_id;
        case limit_scope::org:
            return who.org_id.empty() ? "user:" + who.user : who.org_id;
        case limit_scope::user:
            return who.user;
        case limit_scope::ip:
            return who.ip;
    }
    return who.user;
}

token_bucket& limit_buckets::bucket_(const limit_set& s, const std::string& key, time_point now) {
    auto k = std::make_pair(s.name + "/" + std::string(to_string(s.scope)), key);
    auto it = buckets_.find(k);
    if (it == buckets_.end()) {
        double per_second = s.refill / static_cast<double>(s.period.count());
        it = buckets_.emplace(k, token_bucket(per_second, s.capacity, now)).first;
    }
    return it->second;
}

limit_decision limit_buckets::take(std::string_view base, std::string_view api_path,
                                   const limit_subject& who, time_point now) {
    limit_decision d;
    auto set = endpoint_set_of(api_path);
    std::vector<std::pair<const limit_set*, token_bucket*>> hit;
    for (auto& s : sets_) {
        if (s.name != set && s.name != "all") continue;
        auto& b = bucket_(s, key_of(s, who), now);
        if (b.available(now) < 1.0) {
            d.allowed = false;
            d.refused = &s;
            d.refused_key = key_of(s, who);
            // The set "all" covers the whole API: the body names the API itself, so that a client
            // can tell a limit on everything from a limit on one project's resources.
            d.refused_set =
                s.name == "all" ? std::string(base) : std::string(base) + "/" + family_of(api_path);
            auto wait = std::chrono::duration<double>(b.time_until(now)).count();
            d.retry_after_seconds =
                std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
            d.set = s.name;
            d.limit = s.capacity;
            d.remaining = 0;
            return d;
        }
        hit.emplace_back(&s, &b);
    }
    for (auto& [s, b] : hit) {
        b->try_take(now);
        double left = std::max(0.0, std::floor(b->available(now)));
        if (d.remaining < 0 || left < d.remaining) {
            d.set = s->name;
            d.limit = s->capacity;
            d.remaining = left;
        }
    }
    return d;
}

namespace {
json::array endpoints_of(const limit_set& s) {
    if (s.name == "integrations")
        return {"groups/{groupId}", "groups/{groupId}/integrations",
                "groups/{groupId}/alertConfigs"};
    if (s.name == "projects") return {"groups", "orgs", "orgs/{orgId}", "orgs/{orgId}/groups"};
    return {"*"};
}
}  // namespace

json::value limit_buckets::describe(const std::map<std::string, std::string>& filters,
                                    time_point now) {
    limit_subject who;
    auto get = [&](const char* k) {
        auto it = filters.find(k);
        return it == filters.end() ? std::string() : it->second;
    };
    who.project_id = get("groupId");
    who.org_id = get("orgId");
    who.user = get("userId");
    who.ip = get("ipAddress");
    json::array results;
    for (auto& s : sets_) {
        json::object o{{"endpointSetName", s.name},
                       {"scope", scope_name_upper(s.scope)},
                       {"capacity", json_number(s.capacity)},
                       {"refillRate", json_number(s.refill)},
                       {"refillDurationSeconds", s.period.count()},
                       {"endpoints", endpoints_of(s)}};
        auto key = key_of(s, who);
        bool asked = (s.scope == limit_scope::project && !who.project_id.empty()) ||
                     (s.scope == limit_scope::org && !who.org_id.empty()) ||
                     (s.scope == limit_scope::user && !who.user.empty()) ||
                     (s.scope == limit_scope::ip && !who.ip.empty());
        if (asked)
            o["currentlyAvailable"] =
                json_number(std::max(0.0, std::floor(bucket_(s, key, now).available(now))));
        results.push_back(std::move(o));
    }
    auto n = results.size();
    return json::object{{"results", std::move(results)}, {"totalCount", n}};
}

std::string rate_limited_body(const limit_decision& d) {
    const limit_set& s = *d.refused;
    auto secs = std::to_string(d.retry_after_seconds);
    json::object body{
        {"detail", "Rate limit exceeded for " + d.refused_set + ". Please retry after " + secs +
                       " seconds. Request capacity: " + number(s.capacity) + ". Refill rate: " +
                       number(s.refill) + " per " + std::to_string(s.period.count()) + " seconds."},
        {"error", 429},
        {"errorCode", "RATE_LIMITED_TOKEN_BUCKET"},
        {"parameters",
         json::array{json::value(d.refused_set), d.retry_after_seconds, json_number(s.capacity),
                     json_number(s.refill), s.period.count()}},
        {"reason", "Too Many Requests"}};
    return json::serialize(body);
}

}  // namespace cmbulk::sim
