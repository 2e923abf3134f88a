// The comparison of a manifest row with the API's masked object; see compare.hpp.
#include "cmbulk/compare.hpp"

#include <algorithm>

#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace {

const boost::json::value* get(const boost::json::object& o, std::string_view k) {
    return o.if_contains(k);
}

/// Equal as the API would store them: a CSV "true" and a JSON true are the same boolean.
bool same_value(const boost::json::value* a, const boost::json::value* b) {
    if (!a || !b) return a == b;
    if (a->is_bool() && b->is_string())
        return (a->get_bool() ? "true" : "false") == b->get_string();
    if (b->is_bool() && a->is_string())
        return (b->get_bool() ? "true" : "false") == a->get_string();
    return *a == *b;
}

bool ignored_key(std::string_view k) { return k == "type" || k == "projectId" || k == "action"; }

}  // namespace

integration_diff compare_integration(std::string_view type, const boost::json::object& desired,
                                     const boost::json::object& current) {
    integration_diff d;
    const type_spec* t = find_type(type);
    if (!t) {
        // An unknown type: compare every key both sides mention as a plain value.
        std::vector<std::string> keys;
        for (auto& kv : desired) keys.emplace_back(kv.key());
        for (auto& kv : current) keys.emplace_back(kv.key());
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (auto& k : keys)
            if (!ignored_key(k) && !same_value(get(desired, k), get(current, k)))
                d.fields.push_back(k);
        return d;
    }
    for (auto& f : t->fields) {
        auto* want = get(desired, f.name);
        auto* have = get(current, f.name);
        std::string name(f.name);
        switch (f.secret) {
            case secrecy::none:
                if (!same_value(want, have)) d.fields.push_back(name);
                break;
            case secrecy::masked:
            case secrecy::masked_partly:
                if (!want && !have) break;
                if (!want || !have || !want->is_string() || !have->is_string() ||
                    mask_as(f.secret, want->get_string()) != have->get_string())
                    d.secrets.push_back(name);
                break;
            case secrecy::hidden:
                if (!want && !have) break;
                // Only the length shows: a different length is a known difference.
                if (!want || !have || !want->is_string() || !have->is_string() ||
                    want->get_string().size() != have->get_string().size())
                    d.secrets.push_back(name);
                else
                    d.uncertain.push_back(name);
                break;
            case secrecy::never_returned:
                if (want) d.uncertain.push_back(name);
                break;
        }
    }
    return d;
}

std::string describe(const integration_diff& d) {
    std::string out;
    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    };
    if (!d.fields.empty()) out += list(d.fields);
    if (!d.secrets.empty())
        out += (out.empty() ? "" : "; ") + std::string("secret differs: ") + list(d.secrets);
    if (!d.uncertain.empty())
        out += (out.empty() ? "" : "; ") + std::string("cannot compare: ") + list(d.uncertain);
    return out;
}

}  // namespace cmbulk
