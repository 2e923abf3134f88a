// What the revert tests share (test_revert, test_revert_alerts): the simulator's state in the
// form a revert must give back, and the credentials of the generated world.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace cmbulk::test {

/// Whether comparable_state keeps an alert configuration's `updated` and the simulator's request
/// counters `puts` / `patches` (a revert's PUT moves them: left out where alerts are put back).
enum class alert_counters { compared, left_out };

/// Every project's integrations (ids left out: a recreated integration may get a new id; in a
/// stable order) and alert configurations, as the simulator holds them (secrets in clear).
inline boost::json::value comparable_state(sim_process& sim,
                                           alert_counters counters = alert_counters::compared) {
    namespace json = boost::json;
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    json::array projects;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) {
            json::object proj{{"id", p.at("id")}};
            json::array integrations;
            for (auto& i : p.at("integrations").as_array()) {
                auto copy = i.as_object();
                copy.erase("id");
                integrations.push_back(copy);
            }
            std::sort(integrations.begin(), integrations.end(),
                      [](auto& a, auto& b) { return json::serialize(a) < json::serialize(b); });
            proj["integrations"] = std::move(integrations);
            if (auto* a = p.as_object().if_contains("alertConfigs")) {
                json::array alerts = a->as_array();
                if (counters == alert_counters::left_out)
                    for (auto& c : alerts)
                        for (auto k : {"updated", "puts", "patches"}) c.as_object().erase(k);
                proj["alertConfigs"] = std::move(alerts);
            }
            projects.push_back(std::move(proj));
        }
    return projects;
}

/// The generated world's key in the environment (never on the command line), and a timeout
/// long enough for 1,000-row runs.
inline run_options sim_creds(std::map<std::string, std::string> more = {}) {
    run_options o;
    o.env = std::move(more);
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.timeout = std::chrono::seconds(300);
    return o;
}

}  // namespace cmbulk::test
