// Test helper for the credentials tests: an environment and a file system held in maps, behind
// the env_lookup and file_reader the credentials modules take (no real variables or files).
#pragma once

#include <map>
#include <string>

#include "cmbulk/credentials.hpp"

namespace cmbulk::test {

struct fake_world {
    std::map<std::string, std::string> vars;     ///< empty values count as unset
    std::map<std::string, file_contents> files;  ///< by path
    env_lookup env() const {
        return [this](std::string_view n) -> std::optional<std::string> {
            auto it = vars.find(std::string(n));
            if (it == vars.end() || it->second.empty()) return std::nullopt;
            return it->second;
        };
    }
    file_reader reader() const {
        return [this](const std::filesystem::path& p,
                      diagnostics& d) -> boost::system::result<file_contents> {
            auto it = files.find(p.string());
            if (it == files.end()) {
                d.message = "cannot read it (no such file)";
                return make_error_code(config_errc::unreadable_file);
            }
            return it->second;
        };
    }
};

}  // namespace cmbulk::test
