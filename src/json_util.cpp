// Pretty printer and typed accessors for Boost.JSON values.
#include "cmbulk/json_util.hpp"

#include <boost/json/serialize.hpp>

namespace cmbulk::json_util {
namespace {
void pretty(std::string& out, const boost::json::value& v, int depth) {
    auto indent = [&](int d) { out.append(static_cast<std::size_t>(d) * 2, ' '); };
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) { out += "{}"; return; }
        out += "{\n";
        bool first = true;
        for (auto& kv : o) {
            if (!first) out += ",\n";
            first = false;
            indent(depth + 1);
            out += boost::json::serialize(boost::json::value(kv.key()));
            out += " : ";
            pretty(out, kv.value(), depth + 1);
        }
        out += "\n";
        indent(depth);
        out += "}";
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) { out += "[]"; return; }
        out += "[\n";
        bool first = true;
        for (auto& e : a) {
            if (!first) out += ",\n";
            first = false;
            indent(depth + 1);
            pretty(out, e, depth + 1);
        }
        out += "\n";
        indent(depth);
        out += "]";
    } else {
        out += boost::json::serialize(v);
    }
}
}  // namespace

std::string serialize_pretty(const boost::json::value& v) {
    std::string out;
    pretty(out, v, 0);
    return out;
}

std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->value().is_string()) return std::nullopt;
    return std::string_view(it->value().get_string());
}

std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (it->value().is_int64()) return it->value().get_int64();
    if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().get_uint64());
    return std::nullopt;
}

}  // namespace cmbulk::json_util
