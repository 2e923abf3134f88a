// The revoked-key rule beside the fatal classifier (retry.hpp): once a credential has been
// answered, a 401 on one project is that item's `no-access` and the run goes on (issue 13); but
// N such items in a row, across N distinct projects, with none reaching its project in between,
// say the key itself has most likely been revoked (or lost its organization), and the run stops
// (exit 3). Pure: the engine tells it how each item ended.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace cmbulk {

/// The default of --max-no-access: enough distinct projects that a manifest with a few projects
/// of another organization goes on, few enough that a revoked key stops the run quickly.
inline constexpr std::uint64_t default_max_no_access = 10;

/// Consecutive no-access items of one credential, counted by distinct project.
class no_access_streak {
public:
    /// An item of this credential ended. `reached`: one of its requests on its project was
    /// answered with something other than a definitive 401 (the streak starts again);
    /// `refused`: a 401 on its project after the credential had been answered (no-access).
    /// True once, when the streak reaches `limit` distinct projects (0: never).
    bool on_item(std::string_view project, bool reached, bool refused, std::uint64_t limit);
    /// Distinct projects in the current streak.
    std::uint64_t projects() const { return projects_.size(); }

private:
    std::set<std::string, std::less<>> projects_;
    bool tripped_ = false;
};

/// The stop message: `n` projects refused in a row, the credential named by its source
/// (`source` as credentials.hpp resolves it, never a secret; "" when unknown).
std::string revoked_key_message(std::uint64_t n, std::string_view source);

/// Where a credential came from, for messages: "CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY from the
/// environment", "--public-key + --private-key-file k.txt", "profile 'work' (FILE:LINE)".
std::string credential_phrase(std::string_view source);

}  // namespace cmbulk
