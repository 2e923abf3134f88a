// The rotation option group shared by apply and plan (--integrations-only, --link-alerts,
// --from-last4): one description and one fill with one set of checks, so plan refuses exactly
// what apply refuses. Only the CLI includes this.
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "cmbulk/catalogue.hpp"

namespace cmbulk::cli {
namespace po = boost::program_options;

/// What the rotation options chose.
struct rotation_choice {
    bool integrations_only = false;
    bool link_alerts = false;
    std::string from_last4;
};

/// --integrations-only, --link-alerts, --from-last4.
po::options_description rotation_options_desc();

/// Reads and checks the rotation options for a run on `target`; false (with a message) on a
/// --from-last4 that is not four characters, --link-alerts off Atlas, or --integrations-only
/// with either of the others.
bool fill_rotation_choice(const po::variables_map& vm, flavor target, rotation_choice& c,
                          std::string& msg);

}  // namespace cmbulk::cli
