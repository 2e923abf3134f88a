// The limits a run learned, as simulator specs; see learned_limits.hpp.
#include "cmbulk/learned_limits.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace cmbulk {
namespace json = boost::json;

namespace {

std::string number_text(double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

double number_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    if (!v) return -1;
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    if (v->is_double()) return v->get_double();
    return -1;
}

/// The path without a leading slash and API prefix ("/api/atlas/v2/orgs" -> "orgs").
std::string_view without_prefix(std::string_view p) {
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    for (std::string_view prefix : {"api/atlas/v2", "api/atlas/v1.0", "api/public/v1.0"})
        if (p.substr(0, prefix.size()) == prefix &&
            (p.size() == prefix.size() || p[prefix.size()] == '/')) {
            p.remove_prefix(prefix.size());
            while (!p.empty() && p.front() == '/') p.remove_prefix(1);
            break;
        }
    return p;
}

std::string_view segment(std::string_view p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        auto slash = p.find('/');
        if (slash == std::string_view::npos) return {};
        p.remove_prefix(slash + 1);
    }
    return p.substr(0, p.find('/'));
}

/// "PROJECT" -> "project", ... ("" for a scope the simulator lacks).
std::string_view scope_of(std::string_view s) {
    if (s == "PROJECT" || s == "GROUP") return "project";
    if (s == "ORGANIZATION" || s == "ORG") return "org";
    if (s == "USER") return "user";
    if (s == "IP") return "ip";
    return {};
}

/// A refill over a whole number of seconds, at least one (the simulator's periods).
void whole_period(learned_limit& l, double period) {
    auto whole = std::max<std::int64_t>(1, std::llround(period));
    l.refill = l.refill * static_cast<double>(whole) / period;
    l.period_seconds = whole;
}

/// A bucket the simulator can model: finite, at least one token, a refill, a period of at most
/// about 30 years (llround's range; the whole-second refill stays positive).
bool usable(double capacity, double refill, double period) {
    return std::isfinite(capacity) && std::isfinite(refill) && std::isfinite(period) &&
           capacity >= 1 && refill > 0 && period > 0 && period <= 1e9 &&
           refill * std::max(1.0, std::round(period)) / period > 0;
}

}  // namespace

std::string learned_limit::spec() const {
    return set + "=" + scope + ":" + number_text(capacity) + ":" + number_text(refill) + "/" +
           std::to_string(period_seconds);
}

std::string_view to_string(limits_source s) {
    switch (s) {
        case limits_source::rate_limits:
            return "rateLimits";
        case limits_source::refusals:
            return "429s";
        case limits_source::none:
            break;
    }
    return "none";
}

std::string_view simulator_set_of(std::string_view family_or_path) {
    auto p = without_prefix(family_or_path);
    if (p.empty() || p == "*") return "all";
    auto first = segment(p, 0), third = segment(p, 2);
    if (first == "groups") {
        if (segment(p, 1).empty()) return "projects";
        if (third.empty() || third == "integrations" || third == "alertConfigs")
            return "integrations";
        return {};
    }
    if (first == "orgs") return "projects";
    return {};
}

bool limit_learning::learn_table(const json::value& body) {
    auto* results = body.is_object() ? body.get_object().if_contains("results") : nullptr;
    if (!results || !results->is_array()) return false;
    std::vector<learned_limit> table;
    for (auto& r : results->get_array()) {
        auto* o = r.if_object();
        auto* scope = o ? o->if_contains("scope") : nullptr;
        auto* endpoints = o ? o->if_contains("endpoints") : nullptr;
        if (!scope || !scope->is_string() || !endpoints || !endpoints->is_array()) continue;
        // The set of its most specific endpoint: a project's resources, else listings, else all.
        std::string_view set;
        for (auto& e : endpoints->get_array()) {
            auto s = e.is_string() ? simulator_set_of(e.get_string()) : std::string_view{};
            if (s == "integrations" || (s == "projects" && set != "integrations") ||
                (s == "all" && set.empty()))
                set = s;
        }
        learned_limit l{std::string(set), std::string(scope_of(scope->get_string())),
                        number_at(*o, "capacity"), number_at(*o, "refillRate"), 0};
        double period = number_at(*o, "refillDurationSeconds");
        if (l.set.empty() || l.scope.empty() || !usable(l.capacity, l.refill, period)) continue;
        whole_period(l, period);
        table.push_back(std::move(l));
    }
    if (table.empty()) return false;
    if (source_ != limits_source::rate_limits) limits_.clear();
    source_ = limits_source::rate_limits;
    for (auto& l : table) keep_(std::move(l), true);
    return true;
}

void limit_learning::learn_refusal(std::string_view refused_set, const server_rate_hint& hint) {
    if (source_ == limits_source::rate_limits) return;
    auto set = simulator_set_of(refused_set);
    if (set.empty() || !usable(hint.capacity, hint.refill, hint.period_seconds)) return;
    learned_limit l{std::string(set), set == "integrations" ? "project" : "user", hint.capacity,
                    hint.refill, 0};
    whole_period(l, hint.period_seconds);
    source_ = limits_source::refusals;
    keep_(std::move(l), false);
}

void limit_learning::keep_(learned_limit l, bool tighter_only) {
    for (auto& k : limits_) {
        if (k.set != l.set || k.scope != l.scope) continue;
        double mine = k.refill / static_cast<double>(k.period_seconds);
        double theirs = l.refill / static_cast<double>(l.period_seconds);
        if (!tighter_only || theirs < mine) k = std::move(l);
        return;
    }
    limits_.push_back(std::move(l));
}

}  // namespace cmbulk
