// The simulator's /orgs and /groups routes and the rules of who may see which project: a base
// shows only the orgs of its kind (Cloud Manager on /api/public/v1.0, Atlas on /api/atlas/*);
// an unknown project is 404 GROUP_NOT_FOUND; a key without access to the project's org gets the
// same 401 as a wrong key (fresh challenge); an Atlas project on /api/public/v1.0 is 404
// ATLAS_GROUP. Project paths below /groups/{id} go on to their routes (integrations.cpp,
// alert_configs.cpp).
#include <boost/json.hpp>
#include <variant>

#include "routes.hpp"

namespace cmbulk::sim::detail {
namespace json = boost::json;

namespace {

/// Whether an org (or project) of `kind` is served on a base of flavor `fl`.
bool served_on(flavor kind, flavor fl) {
    return kind == fl || (kind == flavor::atlas && fl == flavor::atlas_v1);
}

json::object project_json(const project_state& p) {
    return json::object{{"id", p.id}, {"name", p.name}, {"orgId", p.org_id}, {"clusterCount", 0}};
}

json::object org_json(const org_state& o) {
    return json::object{{"id", o.id}, {"name", o.name}, {"isDeleted", false}};
}

/// Reads pageNum, itemsPerPage, pretty, envelope and includeCount; an error for bad values.
std::optional<response> read_list_params(route_context& c) {
    auto& lp = c.lp;
    lp.pretty = query_true(c.query, "pretty");
    lp.envelope = query_true(c.query, "envelope");
    if (auto ic = query_get(c.query, "includeCount")) lp.include_count = *ic != "false";
    auto bad_param = [&](std::string_view name, std::string_view why) {
        return api_error(
            400, "VALIDATION_ERROR",
            "Invalid query parameter " + std::string(name) + ": " + std::string(why) + ".",
            {json::value(name)});
    };
    if (auto pn = query_get(c.query, "pageNum")) {
        auto v = parse_int(*pn);
        if (!v || *v < 1) return bad_param("pageNum", "must be a positive integer");
        lp.page = *v;
    }
    if (auto ipp = query_get(c.query, "itemsPerPage")) {
        auto v = parse_int(*ipp);
        if (!v || *v < 1 || *v > c.opts.max_items_per_page)
            return bad_param("itemsPerPage", "must be an integer from 1 to " +
                                                 std::to_string(c.opts.max_items_per_page));
        lp.per = *v;
    }
    return std::nullopt;
}

response route_orgs(route_context& c, std::span<const std::string_view> segs) {
    if (c.req.method != "GET") return method_not_allowed(c);
    std::string here = std::string(c.base.prefix) + std::string(c.rest);
    if (segs.size() == 1) {
        json::array all;
        for (auto& org : c.w.orgs)
            if (c.who.in_org(org.id) && served_on(org.kind, c.fl)) all.emplace_back(org_json(org));
        return finish_list(c, std::move(all), here);
    }
    std::string org_id(segs[1]);
    if (!is_object_id(org_id))
        return api_error(400, "INVALID_ORG_ID",
                         "An invalid organization ID " + org_id + " was specified.",
                         {json::value(org_id)});
    auto it = c.w.org_index.find(org_id);
    if (it == c.w.org_index.end() || !served_on(c.w.orgs[it->second].kind, c.fl))
        return api_error(404, "RESOURCE_NOT_FOUND",
                         "No organization with ID " + org_id + " exists.", {json::value(org_id)});
    if (!c.who.in_org(org_id)) return no_access();
    auto& org = c.w.orgs[it->second];
    if (segs.size() == 2) return finish_single(c, 200, org_json(org));
    if (segs.size() == 3 && segs[2] == "groups") {
        json::array all;
        for (auto& pid : org.project_ids) all.emplace_back(project_json(c.w.projects.at(pid)));
        return finish_list(c, std::move(all), here);
    }
    return not_found(c);
}

/// The project of /groups/{id}, or the answer refusing it.
std::variant<project_state*, response> find_project(route_context& c, const std::string& id) {
    if (!is_object_id(id))
        return api_error(400, "INVALID_GROUP_ID", "An invalid group ID " + id + " was specified.",
                         {json::value(id)});
    auto it = c.w.projects.find(id);
    if (it == c.w.projects.end()) {
        auto r = api_error(404, "GROUP_NOT_FOUND", "No group with ID " + id + " exists.",
                           {json::value(id)});
        r.headers.emplace_back("X-Error-Code", "GROUP_NOT_FOUND");
        return r;
    }
    auto& p = it->second;
    // Another org's project: the same 401 as a wrong key (the two cannot be told apart).
    if (!c.who.in_org(p.org_id)) return no_access();
    if (p.kind == flavor::atlas && !is_atlas(c.fl))
        return api_error(404, "ATLAS_GROUP",
                         "Group " + id +
                             " is an Atlas group; use the Atlas Public API at /api/atlas/v1.0 to "
                             "access it.",
                         {json::value(id)});
    if (p.kind != flavor::atlas && is_atlas(c.fl))
        // The sources are silent on this direction; the simulator refuses it alike.
        return api_error(404, "NOT_ATLAS_GROUP",
                         "Group " + id +
                             " is not an Atlas group; use the Cloud Manager Public API at "
                             "/api/public/v1.0 to access it.",
                         {json::value(id)});
    return &p;
}

}  // namespace

response route_api(route_context& c) {
    if (c.base.version == api_version::atlas_v2) {
        auto accept = header_of(c.req, "accept");
        if (!accepts_atlas_resource(accept))
            return api_error(406, "NOT_ACCEPTABLE",
                             "Invalid accept header or version date: use Accept: " +
                                 std::string(atlas_media) + ".",
                             {json::value(accept)});
    }
    if (auto bad = read_list_params(c)) return std::move(*bad);
    auto segs = split_path(c.rest);
    if (segs.empty()) return not_found(c);
    if (segs[0] == "orgs") return route_orgs(c, segs);
    if (segs[0] != "groups") return not_found(c);
    std::string here = std::string(c.base.prefix) + std::string(c.rest);
    if (segs.size() == 1) {
        if (c.req.method != "GET") return method_not_allowed(c);
        json::array all;
        for (auto& org : c.w.orgs)
            if (c.who.in_org(org.id) && served_on(org.kind, c.fl))
                for (auto& pid : org.project_ids)
                    all.emplace_back(project_json(c.w.projects.at(pid)));
        return finish_list(c, std::move(all), here);
    }
    auto found = find_project(c, std::string(segs[1]));
    if (auto* refused = std::get_if<response>(&found)) return std::move(*refused);
    auto& project = *std::get<project_state*>(found);
    if (segs.size() == 2) {
        if (c.req.method != "GET") return method_not_allowed(c);
        return finish_single(c, 200, project_json(project));
    }
    if (segs[2] == "integrations" && segs.size() <= 4)
        return route_integrations(c, project, std::span(segs).subspan(3));
    if (segs[2] == "alertConfigs" && segs.size() <= 4)
        return route_alert_configs(c, project, std::span(segs).subspan(3));
    return not_found(c);
}

}  // namespace cmbulk::sim::detail
