// Pretty printer, typed accessors and a validate-only parse for Boost.JSON values.
#include "cmbulk/json_util.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>

namespace cmbulk::json_util {
namespace {
void pretty(std::string& out, const boost::json::value& v, int depth) {
    auto indent = [&](int d) { out.append(static_cast<std::size_t>(d) * 2, ' '); };
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
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
        if (a.empty()) {
            out += "[]";
            return;
        }
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

namespace {

/// A basic_parser handler that keeps nothing: the grammar is checked, no value is built.
struct discarding_handler {
    using ec = boost::system::error_code;
    using sv = boost::json::string_view;
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    bool on_document_begin(ec&) { return true; }
    bool on_document_end(ec&) { return true; }
    bool on_array_begin(ec&) { return true; }
    bool on_array_end(std::size_t, ec&) { return true; }
    bool on_object_begin(ec&) { return true; }
    bool on_object_end(std::size_t, ec&) { return true; }
    bool on_string_part(sv, std::size_t, ec&) { return true; }
    bool on_string(sv, std::size_t, ec&) { return true; }
    bool on_key_part(sv, std::size_t, ec&) { return true; }
    bool on_key(sv, std::size_t, ec&) { return true; }
    bool on_number_part(sv, ec&) { return true; }
    bool on_int64(std::int64_t, sv, ec&) { return true; }
    bool on_uint64(std::uint64_t, sv, ec&) { return true; }
    bool on_double(double, sv, ec&) { return true; }
    bool on_bool(bool, ec&) { return true; }
    bool on_null(ec&) { return true; }
    bool on_comment_part(sv, ec&) { return true; }
    bool on_comment(sv, ec&) { return true; }
};

}  // namespace

bool is_json(std::string_view text) {
    boost::json::basic_parser<discarding_handler> p{boost::json::parse_options{}};
    boost::system::error_code ec;
    auto n = p.write_some(false, text.data(), text.size(), ec);
    return !ec && n == text.size();
}

}  // namespace cmbulk::json_util
