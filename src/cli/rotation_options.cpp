// The rotation option group of apply and plan; see rotation_options.hpp.
#include "rotation_options.hpp"

namespace cmbulk::cli {

po::options_description rotation_options_desc() {
    po::options_description rotation("Rotation (alert configurations, docs/rotation.md)");
    // clang-format off
    rotation.add_options()
        ("integrations-only", "change the integrations only: leave (and do not list) the alert configurations that still carry the old secret")
        ("link-alerts", "Atlas v2: link the alert notifications that carry the old secret to the integration (integrationId) instead of copying the new secret into them")
        ("from-last4", po::value<std::string>(), "the old secret's last four characters: notifications that show them are rewritten (default: what the integration showed before its write)");
    // clang-format on
    return rotation;
}

bool fill_rotation_choice(const po::variables_map& vm, flavor target, rotation_choice& c,
                          std::string& msg) {
    c.integrations_only = vm.count("integrations-only") > 0;
    c.link_alerts = vm.count("link-alerts") > 0;
    if (vm.count("from-last4")) c.from_last4 = vm["from-last4"].as<std::string>();
    if (!c.from_last4.empty() && c.from_last4.size() != 4) {
        msg = "--from-last4: expected the last four characters of the old secret";
        return false;
    }
    if (c.link_alerts && target != flavor::atlas) {
        msg = "--link-alerts: only Atlas v2 notifications can be linked (--flavor atlas)";
        return false;
    }
    if (c.integrations_only && (c.link_alerts || !c.from_last4.empty())) {
        msg = "--integrations-only excludes --link-alerts and --from-last4";
        return false;
    }
    return true;
}

}  // namespace cmbulk::cli
