// The outcome names; see outcome.hpp.
#include "cmbulk/outcome.hpp"

#include <array>

namespace cmbulk {
namespace {
constexpr std::array<outcome, 14> outcomes{
    outcome::created,        outcome::updated,        outcome::deleted,  outcome::unchanged,
    outcome::exists,         outcome::exists_differs, outcome::failed,   outcome::invalid,
    outcome::not_run,        outcome::verified,       outcome::mismatch, outcome::no_access,
    outcome::forbidden_role, outcome::partial};
}  // namespace

std::string_view to_string(outcome o) {
    switch (o) {
        case outcome::created:
            return "created";
        case outcome::updated:
            return "updated";
        case outcome::deleted:
            return "deleted";
        case outcome::unchanged:
            return "unchanged";
        case outcome::exists:
            return "exists";
        case outcome::exists_differs:
            return "exists-differs";
        case outcome::failed:
            return "failed";
        case outcome::invalid:
            return "invalid";
        case outcome::not_run:
            return "not-run";
        case outcome::verified:
            return "verified";
        case outcome::mismatch:
            return "mismatch";
        case outcome::no_access:
            return "no-access";
        case outcome::forbidden_role:
            return "forbidden-role";
        case outcome::partial:
            return "partial";
    }
    return "failed";
}

std::optional<outcome> parse_outcome(std::string_view s) {
    if (s == "not_run") return outcome::not_run;
    for (auto o : outcomes)
        if (to_string(o) == s) return o;
    return std::nullopt;
}

bool is_success(outcome o) {
    switch (o) {
        case outcome::created:
        case outcome::updated:
        case outcome::deleted:
        case outcome::unchanged:
        case outcome::exists:
        case outcome::verified:
            return true;
        default:
            return false;
    }
}

std::span<const outcome> all_outcomes() { return outcomes; }

}  // namespace cmbulk
