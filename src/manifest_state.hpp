// The manifest reader's private state and the helpers its two halves share: manifest.cpp (the
// reader, the options checked once, the whole-manifest pass) and manifest_row.cpp (one row's
// checks against the catalogue).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cmbulk/manifest.hpp"

namespace cmbulk {
namespace detail {

std::string lower(std::string_view s);
/// `s` in double quotes, made printable (control bytes escaped, long values cut).
std::string in_quotes(std::string_view s);
/// "; did you mean \"NAME\"?" for the closest of `names`, or "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> names);

/// A (project, type) pair in 13 bytes: the id's 12 bytes and the type's index.
struct dup_key {
    std::array<unsigned char, 13> b{};
    bool operator==(const dup_key&) const = default;
};
struct dup_hash {
    std::size_t operator()(const dup_key& k) const noexcept {
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a
        for (auto c : k.b) h = (h ^ c) * 1099511628211ull;
        return static_cast<std::size_t>(h);
    }
};

}  // namespace detail

namespace detail {
/// One --set NAME=VALUE resolved once for every row.
struct set_option_value {
    std::string name;
    std::string value;
    bool from_reference = false;
    bool ok = false;
};
}  // namespace detail

struct manifest_reader::state {
    manifest_options opts;
    std::string file;
    std::filesystem::path base_dir;
    std::vector<std::string_view> all_names;
    using set_value = detail::set_option_value;
    std::vector<set_value> sets;
    std::unordered_map<detail::dup_key, std::uint64_t, detail::dup_hash> seen;
    // References repeat on every row (one token for all projects): resolve each once.
    struct cached {
        std::optional<resolved_value> value;
        std::string error;
    };
    std::unordered_map<std::string, cached> ref_cache;
};

}  // namespace cmbulk
