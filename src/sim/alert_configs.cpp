// The simulator's /groups/{id}/alertConfigs routes on every base (api-facts.md, "Alert
// configurations"): the paginated list, POST, GET one, PUT (the whole document), PATCH
// {"enabled"} and DELETE, over the project's alert_store. Access rules are the integrations'
// (the project was found and may be seen; writes need an owner role); the store validates,
// keeps notifierIds and secrets, and masks the answers.
#include <boost/json.hpp>

#include "routes.hpp"

namespace cmbulk::sim::detail {
namespace json = boost::json;

namespace {

/// The store's view of this request: v2 or not, the request's time, ids from the core's serial.
alert_context context_of(route_context& c, const project_state& p) {
    alert_context ctx;
    ctx.group_id = p.id;
    ctx.atlas_v2 = c.base.version == api_version::atlas_v2;
    ctx.now = c.now_iso;
    ctx.integrations = &p.integrations;
    ctx.new_id = [&serial = c.alert_serial, id = p.id] {
        return integration_id(id, "alertConfigs", ++serial);
    };
    ctx.href_base = c.req.origin + std::string(c.base.prefix);
    return ctx;
}

response answer(route_context& c, alert_result r) {
    if (!r.ok()) return api_error(r.status, r.error_code, r.detail, std::move(r.parameters));
    if (!r.body.is_null()) return finish_single(c, r.status, std::move(r.body));
    // DELETE: v2 answers 204; the v1.0 bases 200 with no body ({"status":200} with envelope).
    response out;
    out.status = r.status;
    if (r.status != 204 && c.lp.envelope)
        out.body = to_body(json::object{{"status", r.status}}, c.lp.pretty);
    else
        out.content_type.clear();
    return out;
}

response one_config(route_context& c, project_state& p, std::string_view id) {
    auto ctx = context_of(c, p);
    auto& m = c.req.method;
    if (m == "GET") return answer(c, p.alerts.get(id, ctx));
    if (m != "PUT" && m != "PATCH" && m != "DELETE") return method_not_allowed(c);
    if (!c.who.may_write()) return user_unauthorized();
    if (m == "PUT") return answer(c, p.alerts.replace(id, c.req.body, ctx));
    if (m == "PATCH") return answer(c, p.alerts.patch(id, c.req.body, ctx));
    return answer(c, p.alerts.remove(id, ctx));
}

}  // namespace

response route_alert_configs(route_context& c, project_state& p,
                             std::span<const std::string_view> segs) {
    if (!segs.empty()) return one_config(c, p, segs[0]);
    if (c.req.method == "GET")
        return finish_list(c, p.alerts.list(context_of(c, p)),
                           std::string(c.base.prefix) + std::string(c.rest));
    if (c.req.method != "POST") return method_not_allowed(c);
    if (!c.who.may_write()) return user_unauthorized();
    return answer(c, p.alerts.create(c.req.body, context_of(c, p)));
}

}  // namespace cmbulk::sim::detail
