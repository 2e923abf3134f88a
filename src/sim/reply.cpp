// The simulator's request reading and answer building shared by its routes: bases, Atlas media
// types, query strings (Boost.URL), error bodies, single resources and paginated lists.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <cctype>

#include "cmbulk/json_util.hpp"
#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;

std::string response::header(std::string_view name) const {
    for (auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

response error_response(int status, std::string_view code, std::string detail) {
    return detail::api_error(status, code, std::move(detail));
}

std::string to_body(const json::value& v, bool pretty) {
    return pretty ? json_util::serialize_pretty(v) : json::serialize(v);
}

page_window paginate(std::size_t total, std::int64_t page_num, std::int64_t items_per_page) {
    page_window w;
    auto page = static_cast<std::uint64_t>(std::max<std::int64_t>(page_num, 1));
    auto per = static_cast<std::uint64_t>(std::max<std::int64_t>(items_per_page, 1));
    // Guard the multiplication: a page far past the end is simply empty.
    std::uint64_t begin = (page - 1) > total / per ? total : (page - 1) * per;
    w.begin = static_cast<std::size_t>(std::min<std::uint64_t>(begin, total));
    w.end = static_cast<std::size_t>(std::min<std::uint64_t>(w.begin + per, total));
    w.has_next = w.end < total;
    w.has_previous = page > 1;
    return w;
}

namespace detail {

std::optional<api_base> match_base(std::string_view path) {
    static constexpr api_base bases[] = {{"/api/public/v1.0", api_version::public_v1},
                                         {"/api/atlas/v2", api_version::atlas_v2},
                                         {"/api/atlas/v1.0", api_version::atlas_v1}};
    for (auto& b : bases)
        if (path.starts_with(b.prefix) &&
            (path.size() == b.prefix.size() || path[b.prefix.size()] == '/'))
            return b;
    return std::nullopt;
}

flavor flavor_of(api_version v, service_kind service) {
    switch (v) {
        case api_version::public_v1:
            return service == service_kind::ops_manager ? flavor::ops_manager
                                                        : flavor::cloud_manager;
        case api_version::atlas_v1:
            return flavor::atlas_v1;
        case api_version::atlas_v2:
            return flavor::atlas;
    }
    return flavor::cloud_manager;
}

bool accepts_atlas_resource(std::string_view accept) {
    return accepts_atlas_version(accept, "2023-01-01");
}

bool accepts_atlas_version(std::string_view accept, std::string_view since) {
    constexpr std::string_view head = "application/vnd.atlas.", tail = "+json";
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        item = item.substr(0, item.find(';'));
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.starts_with(head) || !item.ends_with(tail)) continue;
        auto date = item.substr(head.size(), item.size() - head.size() - tail.size());
        bool shaped = date.size() == 10 && date[4] == '-' && date[7] == '-' &&
                      std::all_of(date.begin(), date.end(), [](char c) {
                          return c == '-' || std::isdigit(static_cast<unsigned char>(c));
                      });
        // Dates compare as text; a later version resolves to the 2023-01-01 resource.
        if (shaped && date >= since) return true;
    }
    return false;
}

std::optional<query_list> parse_query(std::string_view q) {
    query_list out;
    if (q.empty()) return out;
    auto parsed = boost::urls::parse_query(q);
    if (!parsed) return std::nullopt;
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    for (auto p : *parsed) {
        if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2"
        out.emplace_back(p.key.decode(form), p.has_value ? p.value.decode(form) : std::string());
    }
    return out;
}

std::optional<std::string> query_get(const query_list& q, std::string_view key) {
    for (auto& [k, v] : q)
        if (k == key) return v;
    return std::nullopt;
}

bool query_true(const query_list& q, std::string_view key) {
    auto v = query_get(q, key);
    return v && (*v == "true" || *v == "1");
}

std::vector<std::string_view> split_path(std::string_view p) {
    std::vector<std::string_view> out;
    while (!p.empty()) {
        if (p.front() == '/') {
            p.remove_prefix(1);
            continue;
        }
        auto slash = p.find('/');
        out.push_back(p.substr(0, slash));
        p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
    }
    return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    if (s.empty() || s.size() > 12) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

std::string header_of(const request& req, const std::string& name) {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string() : it->second;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
    }
    return "Unknown";
}

response api_error(int status, std::string_view code, std::string detail, json::array params) {
    response r;
    r.status = status;
    json::object body{{"error", status},
                      {"errorCode", code},
                      {"reason", reason_phrase(status)},
                      {"detail", std::move(detail)},
                      {"parameters", std::move(params)}};
    r.body = json::serialize(body);
    return r;
}

response unauthorized_body() {
    response r;
    r.status = 401;
    r.body = R"({"error":401,"reason":"Unauthorized","detail":"You are not authorized for this )"
             R"(resource.","errorCode":"UNEXPECTED_ERROR"})";
    return r;
}

response user_unauthorized() {
    return api_error(401, "USER_UNAUTHORIZED",
                     "Current user is not authorized to perform this action.");
}

response no_access() {
    auto r = unauthorized_body();
    r.challenge = true;
    return r;
}

response finish_single(const route_context& c, int status, json::value body) {
    response r;
    r.status = status;
    if (c.lp.envelope) body = json::object{{"status", status}, {"content", std::move(body)}};
    r.body = to_body(body, c.lp.pretty);
    return r;
}

response finish_list(const route_context& c, json::array all, const std::string& path) {
    std::size_t total = all.size();
    page_window w = paginate(total, c.lp.page, c.lp.per);
    std::string others;
    for (auto& [k, v] : c.query)
        if (k != "pageNum" && k != "itemsPerPage") others += "&" + k + (v.empty() ? "" : "=" + v);
    auto href = [&](std::int64_t page) {
        return c.req.origin + path + "?pageNum=" + std::to_string(page) +
               "&itemsPerPage=" + std::to_string(c.lp.per) + others;
    };
    json::array links;
    links.emplace_back(json::object{{"href", href(c.lp.page)}, {"rel", "self"}});
    if (w.has_next)
        links.emplace_back(json::object{{"href", href(c.lp.page + 1)}, {"rel", "next"}});
    if (w.has_previous)
        links.emplace_back(json::object{{"href", href(c.lp.page - 1)}, {"rel", "previous"}});
    json::array results;
    results.reserve(w.end - w.begin);
    for (std::size_t i = w.begin; i < w.end; ++i) results.push_back(std::move(all[i]));
    json::object body{{"links", std::move(links)}, {"results", std::move(results)}};
    if (c.lp.include_count || !is_atlas(c.fl)) body["totalCount"] = total;
    if (c.lp.envelope) body["status"] = 200;
    response r;
    r.body = to_body(body, c.lp.pretty);
    return r;
}

response write_answer(const route_context& c, json::array all) {
    std::size_t total = all.size();
    bool has_query = c.req.target.find('?') != std::string::npos;
    json::array links{json::object{{"href", c.req.origin + c.req.target + (has_query ? "&" : "?") +
                                                "includeCount=true&pageNum=1&itemsPerPage=100"},
                                   {"rel", "self"}}};
    json::object body{{"links", std::move(links)}, {"results", std::move(all)}};
    if (c.lp.include_count || !is_atlas(c.fl)) body["totalCount"] = total;
    if (c.lp.envelope) body["status"] = 200;
    response r;
    r.body = to_body(body, c.lp.pretty);
    return r;
}

response method_not_allowed(const route_context& c) {
    std::string path = std::string(c.base.prefix) + std::string(c.rest);
    return api_error(405, "METHOD_NOT_ALLOWED",
                     "Method " + c.req.method + " is not allowed on " + path + ".",
                     {json::value(c.req.method)});
}

response not_found(const route_context& c) {
    std::string path = std::string(c.base.prefix) + std::string(c.rest);
    return api_error(404, "RESOURCE_NOT_FOUND", "Cannot find resource " + path + ".",
                     {json::value(path)});
}

}  // namespace detail
}  // namespace cmbulk::sim
