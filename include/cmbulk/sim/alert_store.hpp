// The simulator's alert configurations of one project (`/groups/{id}/alertConfigs`, api-facts.md
// "Alert configurations"): validation of POST / PUT / PATCH bodies, storage with secrets in clear
// and a notifierId per notification, and the API's answer with third-party secrets masked. A PUT
// that names a notifierId and omits the secret keeps the stored secret; a masked secret sent back
// is refused; on Atlas v2 a notification with integrationId answers the integration's current
// secret. Pure: the routes (and `now`, ids) are the caller's.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk::sim {

/// One stored configuration: the document as the server keeps it (no links; secrets in clear;
/// each notification with its notifierId), and how often it was replaced.
struct alert_config_state {
    std::string id;
    boost::json::object
        doc;  ///< eventTypeName, enabled, matchers, ..., notifications, created, updated
    std::uint64_t puts = 0, patches = 0;
};

/// The outcome of one call: a status and either a body (success) or an API error.
struct alert_result {
    int status = 200;
    boost::json::value body;  ///< the answer on success (null for a bodyless answer)
    std::string error_code;   ///< set on failure
    std::string detail;
    boost::json::array parameters;
    bool ok() const { return error_code.empty(); }
};

/// What the store needs to know about its surroundings for one call.
struct alert_context {
    std::string group_id;
    bool atlas_v2 = false;  ///< integrationId exists only on v2
    std::string now;        ///< ISO 8601 UTC, for created / updated
    /// The project's integrations by type, secrets in clear (integrationId lookups on v2).
    const std::map<std::string, boost::json::object>* integrations = nullptr;
    /// A fresh 24-hex id (configs and notifierIds).
    std::function<std::string()> new_id;
    /// "scheme://host[:port]/api/..." before "/groups/...": the start of self links.
    std::string href_base;
    /// Loading a seed: notifierIds given by the seed are taken as they are.
    bool seeding = false;
    /// Loading a seed whose secrets are as the service answered them (`"secretsAsAnswered":
    /// true`, as `cmbulk audit --emit-sim-seed` writes): a masked secret is stored as it is.
    bool masked_as_answered = false;
};

/// The alert configurations of one project, in creation order.
class alert_store {
public:
    /// Seed: configurations as the seed file holds them (secrets in clear, or masked as answered
    /// with ctx.masked_as_answered; missing ids and notifierIds are filled in with ctx.new_id).
    /// Throws std::runtime_error on a bad one.
    void load(const boost::json::array& seed, const alert_context& ctx);
    /// The seed / state shape: every config with secrets in clear, `puts` and `patches` when
    /// `with_counters`.
    boost::json::array to_json(bool with_counters) const;

    /// Every configuration as the API answers it (masked), in order.
    boost::json::array list(const alert_context& ctx) const;
    alert_result get(std::string_view id, const alert_context& ctx) const;
    alert_result create(std::string_view body, const alert_context& ctx);
    alert_result replace(std::string_view id, std::string_view body, const alert_context& ctx);
    alert_result patch(std::string_view id, std::string_view body, const alert_context& ctx);
    alert_result remove(std::string_view id, const alert_context& ctx);

    const std::vector<alert_config_state>& configs() const { return configs_; }
    std::size_t size() const { return configs_.size(); }

private:
    alert_config_state* find_(std::string_view id);
    const alert_config_state* find_(std::string_view id) const;
    std::vector<alert_config_state> configs_;
};

/// The API's answer for one stored configuration: read-only fields (id, groupId, links), third-
/// party secrets masked per alert_catalogue, intervalMin left out for the types that do not
/// answer it, secrets of notifications linked by integrationId taken from the integration.
boost::json::object answered_alert_config(const alert_config_state& c, const alert_context& ctx);

}  // namespace cmbulk::sim
