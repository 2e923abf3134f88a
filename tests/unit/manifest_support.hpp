// Shared by the manifest unit tests (test_manifest.cpp, test_manifest_rules.cpp): fixed project
// ids, options whose environment is a fixed map, validation of a text written to a temp file with
// its errors as strings, and reading every row of a manifest.
#pragma once

#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cmbulk/manifest.hpp"
#include "common/test_support.hpp"

namespace manifest_test {

using namespace cmbulk;
namespace fs = std::filesystem;

inline const std::string id1 = "5f0000000000000000000001";
inline const std::string id2 = "5f0000000000000000000002";
inline const std::string id3 = "5f0000000000000000000003";

/// Options whose environment is a fixed map (the process environment is never read).
inline manifest_options opts_with_env(std::map<std::string, std::string> env = {}) {
    manifest_options o;
    o.getenv = [env](std::string_view n) -> std::optional<std::string> {
        auto it = env.find(std::string(n));
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

/// Writes `content` to dir/name and validates it; errors come back as strings with the file
/// shown by its name only.
struct checked {
    validation_summary summary;
    std::vector<std::string> errors;
};

inline checked validate_text(const test::temp_dir& dir, const std::string& name,
                             const std::string& content, const manifest_options& o) {
    auto p = dir / name;
    test::write_file(p, content);
    checked c;
    c.summary = validate_manifest(p, o);
    for (auto e : c.summary.errors) {
        if (e.file == p.string()) e.file = name;
        c.errors.push_back(to_string(e));
    }
    return c;
}

/// Every error on its own line, for failure messages.
inline std::string joined(const checked& c) {
    std::string all;
    for (auto& e : c.errors) all += e + "\n";
    return all;
}

/// Reads every row of a manifest.
inline std::vector<parsed_row> read_all(const fs::path& p, const manifest_options& o,
                                        std::vector<manifest_error>* file_errors = nullptr) {
    auto r = manifest_reader::open(p, o);
    std::vector<parsed_row> rows;
    while (auto row = r->next()) {
        rows.push_back(std::move(*row));
        BOOST_REQUIRE(rows.size() < 100000);
    }
    if (file_errors) *file_errors = r->errors();
    return rows;
}

inline const std::string slack_header = "projectId,type,apiToken,teamName\n";

}  // namespace manifest_test
