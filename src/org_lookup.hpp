// The lookup phase of a fleet run (internal): when rows carry no orgId, each credential's
// project list (GET /groups, every page) is read once on the engine, and what each project's
// answer says about its organization is learned into the org_router (org_routing.hpp).
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cmbulk/credentials_file.hpp"
#include "cmbulk/engine.hpp"
#include "cmbulk/org_routing.hpp"

namespace cmbulk::detail {

/// A fleet run's routing (apply, plan): the router over the credentials file's organizations,
/// their labels, and the credentials for run_environment::create (one client each).
struct fleet_routing {
    explicit fleet_routing(const std::vector<org_credential>& fleet);
    /// The lookups' count and each refused credential, named by org (never a secret).
    void print_summary(const credential_set& creds, bool looked_up, std::ostream& err) const;
    org_router router;
    std::map<std::string, std::string> names;
    fleet_credentials clients;
};

class org_lookup_job final : public run_job {
public:
    explicit org_lookup_job(org_router& router) : router_(router) {}
    std::unique_ptr<work_item> next_item() override;
    void finish(std::unique_ptr<work_item> item, item_end how) override;

private:
    org_router& router_;
    std::size_t next_ = 0;
};

/// Runs a fleet-aware run's work on `env`: first, when `look_up`, each credential's project list
/// (no progress line), then `job` with `ctx` unless the run is stopping (apply, plan).
void run_routed(run_environment& env, const run_params& params, fleet_routing& fleet, bool look_up,
                run_job& job, run_context& ctx);

}  // namespace cmbulk::detail
