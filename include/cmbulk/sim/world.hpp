// The simulator's world: which service it impersonates (cloud.mongodb.com or an Ops Manager),
// its organizations (each of one kind: Cloud Manager, Atlas or Ops Manager) with their projects
// and integrations, and the API keys and service accounts with their orgs and roles. The seed
// file's shape is read and written here (docs/simulator.md), and --generate builds one.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/sim/alert_store.hpp"
#include "cmbulk/sim/limit_buckets.hpp"

namespace cmbulk::sim {

/// What the simulator impersonates.
enum class service_kind {
    cloud,        ///< cloud.mongodb.com: Cloud Manager orgs on /api/public/v1.0, Atlas orgs on
                  ///< /api/atlas/v1.0 and /api/atlas/v2; keys belong to one org
    ops_manager,  ///< an Ops Manager server: /api/public/v1.0 only; global keys exist
};
/// "cloud" or "ops-manager".
std::string_view to_string(service_kind s);
std::optional<service_kind> parse_service_kind(std::string_view s);

/// One project: its integrations as stored (secrets in clear, with "type" and "id") and its
/// alert configurations (secrets in clear, with their PUT and PATCH counters).
struct project_state {
    std::string id;
    std::string name;
    std::string org_id;
    flavor kind = flavor::cloud_manager;                      ///< its org's kind
    std::map<std::string, boost::json::object> integrations;  ///< by type name
    alert_store alerts;                                       ///< /groups/{id}/alertConfigs
    std::uint64_t creates = 0, updates = 0, deletes = 0;
};

struct org_state {
    std::string id;
    std::string name;
    /// cloud_manager or atlas on the cloud service, ops_manager on an Ops Manager.
    flavor kind = flavor::cloud_manager;
    std::vector<std::string> project_ids;  ///< in seed order
};

/// An API key (Digest) or a service account (OAuth): an identity, its orgs and its roles.
struct principal {
    std::string id;      ///< public key or client id
    std::string secret;  ///< private key or client secret
    std::vector<std::string> org_ids;
    /// Org-level roles (docs/simulator.md): ORG_OWNER, GROUP_OWNER and GLOBAL_OWNER may write
    /// integrations; ORG_READ_ONLY, GROUP_READ_ONLY and GLOBAL_READ_ONLY only read.
    std::vector<std::string> roles{"ORG_OWNER"};
    bool revoked = false;  ///< POST /__sim/keys/{id}/revoke: from then on, an unknown key

    bool in_org(std::string_view org_id) const;
    bool may_write() const;
};

/// The roles a seed may give (the first three may write).
std::span<const std::string_view> known_roles();

/// What --generate builds.
struct generate_params {
    int orgs = 1;
    int projects = 3;                     ///< per org
    std::vector<std::string> with_types;  ///< an integration of each on every project
    service_kind service = service_kind::cloud;
    /// The kind of every generated org on the cloud service: cloud_manager or atlas.
    flavor org_kind = flavor::cloud_manager;
    /// Alert configurations per project (--with-alerts; docs/simulator.md, "Generated world"):
    /// their third-party notifications copy the project's integration secrets.
    int alerts_per_project = 0;
};

/// The whole simulated world.
struct world {
    service_kind service = service_kind::cloud;
    std::vector<org_state> orgs;
    std::unordered_map<std::string, std::size_t> org_index;   ///< org id -> index in orgs
    std::unordered_map<std::string, project_state> projects;  ///< by project id
    std::vector<principal> api_keys;
    std::vector<principal> service_accounts;
    /// A seed's `cmbulkLimits.sets` (--limit specs, as `audit --emit-sim-seed` writes them):
    /// they take the place of the live-like defaults; --limit and --no-limits apply over them.
    std::optional<std::vector<limit_set>> limits;

    /// Reads the seed shape (docs/simulator.md) for `service`; throws std::runtime_error naming
    /// the problem (an org kind or integration type the service cannot have, a service account
    /// on Ops Manager, an unknown role...). Integrations without an "id" get a fixed one.
    static world from_json(const boost::json::value& seed,
                           service_kind service = service_kind::cloud);
    /// The seed shape, secrets in clear; with counters adds creates/updates/deletes per project
    /// and puts/patches per alert configuration.
    boost::json::value to_json(bool with_counters) const;
    /// `orgs` organizations of `projects` projects each, fixed ids; keys and service accounts
    /// as docs/simulator.md lists them (one spanning every org, one bound to each org). Every
    /// project gets an integration of each type in `with_types` (every field its flavors
    /// require, deterministic values valid for the server's checks); throws on an unknown type
    /// or one the org kind does not offer.
    static world generate(const generate_params& params);
    static world generate(int orgs, int projects, const std::vector<std::string>& with_types = {});
    /// Keys and service accounts that span more than one org (the live Cloud Manager and Atlas
    /// have none; on Ops Manager they are global keys).
    std::vector<std::string> spanning_principals() const;
};

/// The generated world's credentials (documented in docs/simulator.md; test credentials only).
/// The first key and service account span every org (an Ops-Manager-style global key).
inline constexpr std::string_view generated_public_key = "simpublic";
inline constexpr std::string_view generated_private_key = "simprivate-0123456789abcdef";
inline constexpr std::string_view generated_client_id = "mdb_sa_id_simulator";
inline constexpr std::string_view generated_client_secret = "mdb_sa_sk_simulator-0123456789";
/// Org number `o` (1-based)'s own key and service account: "simpublic-0001",
/// "simprivate-0001-0123456789abcdef", "mdb_sa_id_simulator_0001",
/// "mdb_sa_sk_simulator-0001-0123456789".
std::string generated_org_public_key(int o);
std::string generated_org_private_key(int o);
std::string generated_org_client_id(int o);
std::string generated_org_client_secret(int o);

/// What a project's alert store needs for one call made outside a route (seeding): the
/// project's group id and integrations, integrationId allowed on Atlas projects, `now` as given,
/// missing ids made by integration_id(project id, "alertConfigs/seed", 1, 2, ...).
alert_context seed_alert_context(const project_state& p, std::string now);
/// The creation date of seeded alert configurations that do not give one.
inline constexpr std::string_view seed_alert_date = "2026-01-01T00:00:00Z";

/// The id of an integration: 24 hex digits, fixed for (project, type, serial).
std::string integration_id(std::string_view project_id, std::string_view type,
                           std::uint64_t serial);

}  // namespace cmbulk::sim
