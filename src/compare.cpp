// The comparison of a manifest row with the API's answer; see compare.hpp.
#include "cmbulk/compare.hpp"

#include <algorithm>
#include <cctype>

#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;

namespace {

/// A present, non-null value (null is how the server answers an unset template).
const json::value* get(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && !v->is_null() ? v : nullptr;
}

/// Equal as the API would store them: a CSV "true" and a JSON true are the same boolean.
bool same_value(const json::value* a, const json::value* b) {
    if (!a || !b) return a == b;
    if (a->is_bool() && b->is_string())
        return (a->get_bool() ? "true" : "false") == b->get_string();
    if (b->is_bool() && a->is_string())
        return (b->get_bool() ? "true" : "false") == a->get_string();
    return *a == *b;
}

/// What the server answers for the field when it was not sent (nullptr: nothing, or null).
const json::value* default_of(const field_spec& f, json::value& slot) {
    switch (f.fill) {
        case default_kind::text:
            slot = json::string(f.default_text);
            return &slot;
        case default_kind::false_value:
            slot = false;
            return &slot;
        case default_kind::none:
        case default_kind::null_value:
            break;
    }
    return nullptr;
}

bool ignored_key(std::string_view k) {
    return k == "type" || k == "projectId" || k == "action" || k == "id";
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

enum class match { same, differs, unknown };

match match_secret(const field_spec& f, std::string_view want, std::string_view have) {
    auto vp = visible_parts_of(have);
    if (!vp.masked) return want == have ? match::same : match::differs;  // answered in clear
    bool url = f.secret == secrecy::masked_partly;
    // The length-kept mask: a different length is a different value.
    if (!url && want.size() != have.size()) return match::differs;
    if (want.size() < vp.prefix.size() + vp.suffix.size()) return match::differs;
    bool prefix_ok = want.starts_with(vp.prefix);
    if (!prefix_ok && url) {
        // The URL mask shows scheme://host/ without credentials, whatever the case of the host.
        auto masked = mask_url(want);
        prefix_ok = iequal(visible_parts_of(masked).prefix, vp.prefix);
    }
    if (!prefix_ok || !want.ends_with(vp.suffix)) return match::differs;
    if (vp.prefix.empty() && vp.suffix.empty()) return match::unknown;  // nothing visible
    return match::same;
}

void compare_secret(const field_spec& f, const json::value* want, const json::value* have,
                    const compare_options& opts, integration_diff& d) {
    std::string name(f.name);
    if (!want && !have) return;
    if (!want) {
        if (!opts.unnamed_fields_kept) d.secrets.push_back(name);  // the PUT would drop it
        return;
    }
    if (!have) {
        // A write-only field is never answered: whether it holds `want` cannot be known.
        (f.secret == secrecy::never_returned ? d.uncertain : d.secrets).push_back(name);
        return;
    }
    if (!want->is_string() || !have->is_string()) {
        d.secrets.push_back(name);
        return;
    }
    switch (match_secret(f, want->get_string(), have->get_string())) {
        case match::same:
            break;
        case match::differs:
            d.secrets.push_back(name);
            break;
        case match::unknown:
            d.uncertain.push_back(name);
            break;
    }
}

void compare_plain(const field_spec& f, const json::value* want, const json::value* have,
                   const compare_options& opts, integration_diff& d) {
    if (!want && opts.unnamed_fields_kept) return;
    // A default the server filled in equals the field not sent, both ways.
    json::value want_slot, have_slot;
    if (!want) want = default_of(f, want_slot);
    if (!have) have = default_of(f, have_slot);
    if (!same_value(want, have)) d.fields.emplace_back(f.name);
}

}  // namespace

bool secret_matches(std::string_view value, std::string_view answered, bool length_kept) {
    field_spec f{.name = "", .secret = length_kept ? secrecy::masked : secrecy::masked_partly};
    return match_secret(f, value, answered) != match::differs;
}

integration_diff compare_integration(std::string_view type, const json::object& desired,
                                     const json::object& current, const compare_options& opts) {
    integration_diff d;
    const type_spec* t = find_known_type(type);
    if (!t) {
        // An unknown type: compare every key both sides mention as a plain value.
        std::vector<std::string> keys;
        for (auto& kv : desired) keys.emplace_back(kv.key());
        if (!opts.unnamed_fields_kept)
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
        if (f.secret == secrecy::none)
            compare_plain(f, want, have, opts, d);
        else
            compare_secret(f, want, have, opts, d);
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
