// Internals shared by the audit's files: CSV cells, list pages (results, next links), fields.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk::detail {
namespace json = boost::json;

inline std::string csv_cell(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

inline std::string cell_text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_bool()) return v.get_bool() ? "true" : "false";
    if (v.is_null()) return "";
    return json::serialize(v);
}

inline std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (auto& x : v) out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
}

/// Calls `f` on every object of a list page's "results"; returns how many there were.
template <class F>
inline std::size_t for_each_result(const json::object& page, F&& f) {
    auto* results = page.if_contains("results");
    if (!results || !results->is_array()) return 0;
    std::size_t n = 0;
    for (auto& x : results->get_array()) {
        if (!x.is_object()) continue;
        ++n;
        f(x.get_object());
    }
    return n;
}

inline bool has_next_link(const json::object& page) {
    auto* links = page.if_contains("links");
    if (!links || !links->is_array()) return false;
    for (auto& l : links->get_array())
        if (l.is_object())
            if (auto* rel = l.get_object().if_contains("rel");
                rel && rel->is_string() && rel->get_string() == "next")
                return true;
    return false;
}

inline std::string str_of(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace cmbulk::detail
