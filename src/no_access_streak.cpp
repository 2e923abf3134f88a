// The revoked-key rule: consecutive no-access items across distinct projects; see
// no_access_streak.hpp.
#include "cmbulk/no_access_streak.hpp"

#include <algorithm>
#include <cctype>

namespace cmbulk {

bool no_access_streak::on_item(std::string_view project, bool reached, bool refused,
                               std::uint64_t limit) {
    if (reached) {
        projects_.clear();
        return false;
    }
    // An item that neither reached its project nor was refused (no answer at all) says nothing.
    if (!refused || project.empty()) return false;
    if (projects_.find(project) == projects_.end()) projects_.emplace(project);
    if (tripped_ || limit == 0 || projects_.size() < limit) return false;
    tripped_ = true;
    return true;
}

std::string credential_phrase(std::string_view source) {
    if (source.empty()) return "the credential";
    // The variables' names alone ("CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY"): the environment.
    bool variables = std::all_of(source.begin(), source.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == '+';
    });
    return std::string(source) + (variables ? " from the environment" : "");
}

std::string revoked_key_message(std::uint64_t n, std::string_view source) {
    return "the key has likely been revoked: " + std::to_string(n) +
           " rows in a row, on as many projects, were refused (401) after it had authenticated; "
           "check " +
           credential_phrase(source) +
           " (revoked, expired, or removed from the organization), then finish with --resume "
           "(--max-no-access N sets how many)";
}

}  // namespace cmbulk
