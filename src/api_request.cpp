// The api layer's requests: the path of each call (after the flavor's prefix, or whole), and
// the api_request every typed call is built from (method, path, JSON body, pacing scope). Pure.
#include <boost/json/serialize.hpp>
#include <boost/url/url.hpp>

#include "cmbulk/api.hpp"

namespace cmbulk {

namespace {

std::string page_query(int page_num, int items_per_page) {
    boost::urls::url u;
    u.params().append({"pageNum", std::to_string(page_num)});
    u.params().append({"itemsPerPage", std::to_string(items_per_page)});
    std::string q(1, '?');  // (not "?" + ...: GCC 12's -Wrestrict misfires on that)
    q += u.encoded_query();
    return q;
}

std::string integration_target(std::string_view group_id, std::string_view type) {
    std::string t = "/groups/";
    t += encode_segment(group_id);
    t += "/integrations/";
    t += encode_segment(type);
    return t;
}

std::string integrations_page_target(std::string_view group_id, int page_num, int items_per_page) {
    return "/groups/" + encode_segment(group_id) + "/integrations" +
           page_query(page_num, items_per_page);
}

std::string projects_page_target(std::string_view org_id, int page_num, int items_per_page) {
    std::string p;
    if (!org_id.empty()) p = "/orgs/" + encode_segment(org_id);
    return p + "/groups" + page_query(page_num, items_per_page);
}

std::string integration_path_at(std::string_view prefix, std::string_view group_id,
                                std::string_view type) {
    return std::string(prefix) + integration_target(group_id, type);
}

std::string integrations_page_at(std::string_view prefix, std::string_view group_id, int page_num,
                                 int items_per_page) {
    return std::string(prefix) + integrations_page_target(group_id, page_num, items_per_page);
}

std::string projects_page_at(std::string_view prefix, std::string_view org_id, int page_num,
                             int items_per_page) {
    return std::string(prefix) + projects_page_target(org_id, page_num, items_per_page);
}

/// The body of a POST/PUT: `fields` plus "type" (last), serialized without copying the object.
std::string write_body(const boost::json::object& fields, std::string_view type) {
    if (fields.contains("type")) {  // not from a manifest (it never puts "type" in fields)
        auto copy = fields;
        copy["type"] = type;
        return boost::json::serialize(copy);
    }
    std::string body = boost::json::serialize(fields);
    body.pop_back();  // the closing brace
    if (!fields.empty()) body += ',';
    body += "\"type\":";
    body += boost::json::serialize(boost::json::string_view(type.data(), type.size()));
    body += '}';
    return body;
}

api_request make_request(api_method m, std::string path, std::optional<std::string> body,
                         std::string_view scope) {
    api_request r;
    r.method = m;
    r.path = std::move(path);
    r.body = std::move(body);
    r.scope = scope;
    return r;
}

}  // namespace

std::string_view to_string(api_method m) {
    switch (m) {
        case api_method::get:
            return "GET";
        case api_method::post:
            return "POST";
        case api_method::put:
            return "PUT";
        case api_method::patch:
            return "PATCH";
        case api_method::del:
            return "DELETE";
    }
    return "GET";
}

api_request get_integration_request(std::string_view group_id, std::string_view type) {
    return make_request(api_method::get, integration_target(group_id, type), std::nullopt,
                        group_id);
}

api_request create_integration_request(std::string_view group_id, std::string_view type,
                                       const boost::json::object& fields) {
    return make_request(api_method::post, integration_target(group_id, type),
                        write_body(fields, type), group_id);
}

api_request update_integration_request(std::string_view group_id, std::string_view type,
                                       const boost::json::object& fields) {
    return make_request(api_method::put, integration_target(group_id, type),
                        write_body(fields, type), group_id);
}

api_request delete_integration_request(std::string_view group_id, std::string_view type) {
    return make_request(api_method::del, integration_target(group_id, type), std::nullopt,
                        group_id);
}

api_request integrations_page_request(std::string_view group_id, int page_num, int items_per_page) {
    return make_request(api_method::get,
                        integrations_page_target(group_id, page_num, items_per_page), std::nullopt,
                        group_id);
}

api_request projects_page_request(std::string_view org_id, int page_num, int items_per_page) {
    auto r = make_request(api_method::get, projects_page_target(org_id, page_num, items_per_page),
                          std::nullopt, {});
    r.org = org_id;
    return r;
}

api_request alert_configs_page_request(std::string_view group_id, int page_num,
                                       int items_per_page) {
    return make_request(api_method::get,
                        "/groups/" + encode_segment(group_id) + "/alertConfigs" +
                            page_query(page_num, items_per_page),
                        std::nullopt, group_id);
}

api_request get_alert_config_request(std::string_view group_id, std::string_view config_id) {
    return make_request(
        api_method::get,
        "/groups/" + encode_segment(group_id) + "/alertConfigs/" + encode_segment(config_id),
        std::nullopt, group_id);
}

api_request update_alert_config_request(std::string_view group_id, std::string_view config_id,
                                        const boost::json::object& body) {
    return make_request(
        api_method::put,
        "/groups/" + encode_segment(group_id) + "/alertConfigs/" + encode_segment(config_id),
        boost::json::serialize(body), group_id);
}

answer_facts facts_of(const api_call_result& r) {
    return answer_facts{r.failure, r.status, r.api_error, r.auth_failed};
}

std::string integration_path(flavor f, std::string_view group_id, std::string_view type) {
    return integration_path_at(api_prefix(f), group_id, type);
}

std::string integration_path(const api_config& cfg, std::string_view group_id,
                             std::string_view type) {
    if (!cfg.path_prefix.empty()) return integration_path_at(cfg.path_prefix, group_id, type);
    return integration_path_at(api_prefix(cfg), group_id, type);
}

std::string integrations_page_path(flavor f, std::string_view group_id, int page_num,
                                   int items_per_page) {
    return integrations_page_at(api_prefix(f), group_id, page_num, items_per_page);
}

std::string integrations_page_path(const api_config& cfg, std::string_view group_id, int page_num,
                                   int items_per_page) {
    return integrations_page_at(api_prefix(cfg), group_id, page_num, items_per_page);
}

std::string projects_page_path(flavor f, std::string_view org_id, int page_num,
                               int items_per_page) {
    return projects_page_at(api_prefix(f), org_id, page_num, items_per_page);
}

std::string projects_page_path(const api_config& cfg, std::string_view org_id, int page_num,
                               int items_per_page) {
    return projects_page_at(api_prefix(cfg), org_id, page_num, items_per_page);
}

}  // namespace cmbulk
