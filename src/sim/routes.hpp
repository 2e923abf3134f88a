// Internal to the simulator core: the pieces its route files share. Building the API's answers
// (error bodies, single resources and paginated lists with their links, the documented 401s),
// reading requests (the three bases, query strings through Boost.URL, Atlas media types), and
// the context one authenticated API request is routed with.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmbulk/sim/core.hpp"

namespace cmbulk::sim::detail {

/// The three bases the simulator serves.
enum class api_version { public_v1, atlas_v1, atlas_v2 };
struct api_base {
    std::string_view prefix;  ///< "/api/public/v1.0", "/api/atlas/v1.0" or "/api/atlas/v2"
    api_version version;
};
/// The base `path` starts with, or nullopt.
std::optional<api_base> match_base(std::string_view path);
/// The flavor a base serves on `service`: public v1.0 is Cloud Manager or Ops Manager.
flavor flavor_of(api_version v, service_kind service);

/// Atlas v2's success media type, and the one it is versioned from.
inline constexpr std::string_view atlas_media = "application/vnd.atlas.2023-01-01+json";
inline constexpr std::string_view atlas_success_type =
    "application/vnd.atlas.2023-01-01+json;charset=utf-8";
/// Whether an Accept header asks for the 2023-01-01 resource: a dated Atlas type of that date
/// or later (application/vnd.atlas.2025-03-12+json resolves to the same resource).
bool accepts_atlas_resource(std::string_view accept);
/// Whether an Accept header asks for a dated Atlas type of `since` ("2025-03-12") or later.
bool accepts_atlas_version(std::string_view accept, std::string_view since);

using query_list = std::vector<std::pair<std::string, std::string>>;
/// A query string or form body, percent-decoded ('+' is a space); nullopt when malformed.
std::optional<query_list> parse_query(std::string_view q);
std::optional<std::string> query_get(const query_list& q, std::string_view key);
bool query_true(const query_list& q, std::string_view key);
/// "/a//b/" -> {"a", "b"}.
std::vector<std::string_view> split_path(std::string_view p);
/// A strict decimal query parameter (at most 12 digits).
std::optional<std::int64_t> parse_int(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::string header_of(const request& req, const std::string& name);

std::string_view reason_phrase(int status);
/// {"error","errorCode","reason","detail","parameters"}.
response api_error(int status, std::string_view code, std::string detail,
                   boost::json::array params = {});
/// The documented 401 of a wrong key, or a right key without access: {"error":401,"reason":
/// "Unauthorized","detail":"You are not authorized for this resource.","errorCode":
/// "UNEXPECTED_ERROR"} (the challenge headers are added by the core).
response unauthorized_body();
/// 401 USER_UNAUTHORIZED: the key's role is too small for a write.
response user_unauthorized();
/// The no-access answer of a route: unauthorized_body() with a fresh challenge to come.
response no_access();

/// The answer for injected faults that have one (500, 503-html, 429).
response fault_response(fault_kind k);

struct list_params {
    std::int64_t page = 1;
    std::int64_t per = 100;
    bool pretty = false;
    bool envelope = false;
    bool include_count = true;
};

/// One authenticated API request being routed.
struct route_context {
    const request& req;
    const core_options& opts;
    world& w;
    const principal& who;
    api_base base;
    flavor fl;              ///< the flavor this base serves
    std::string_view rest;  ///< the path after the base
    query_list query;
    list_params lp;
    std::uint64_t& serial;  ///< integrations created so far (their ids)
    /// Alert configurations and notifiers made so far (their ids).
    std::uint64_t& alert_serial;
    std::string now_iso;  ///< the request's time, ISO 8601 UTC (created / updated)
};

/// A single resource (wrapped with envelope=true).
response finish_single(const route_context& c, int status, boost::json::value body);
/// A page of `all` with links (self, next, previous) under `path` (base included).
response finish_list(const route_context& c, boost::json::array all, const std::string& path);
/// The whole list answering a POST or PUT: self link = the request URL plus
/// includeCount=true&pageNum=1&itemsPerPage=100.
response write_answer(const route_context& c, boost::json::array all);
response method_not_allowed(const route_context& c);
response not_found(const route_context& c);

/// Everything after authentication, rate limits and faults: /orgs, /groups (projects.cpp).
response route_api(route_context& c);
/// /groups/{id}/integrations[/{TYPE}] of a project the key may see (integrations.cpp).
response route_integrations(route_context& c, project_state& p,
                            std::span<const std::string_view> segs);
/// /groups/{id}/alertConfigs[/{ID}] of a project the key may see (alert_configs.cpp).
response route_alert_configs(route_context& c, project_state& p,
                             std::span<const std::string_view> segs);

}  // namespace cmbulk::sim::detail
