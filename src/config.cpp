// The config file parser, the option environment variables and their merge (see config.hpp).
// Pure: the caller supplies the file's text and a getenv-like function.
#include "cmbulk/config.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace cmbulk {

namespace {

constexpr std::array<std::string_view, 20> keys{"base-url",
                                                "flavor",
                                                "rate",
                                                "burst",
                                                "concurrency",
                                                "cacert",
                                                "public-key",
                                                "private-key-file",
                                                "connect-timeout",
                                                "request-timeout",
                                                "body-limit",
                                                "max-attempts",
                                                "max-failures",
                                                "grace",
                                                "progress",
                                                "log-format",
                                                "format",
                                                "type",
                                                "action",
                                                "checkpoint"};

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> env_vars{{
    {"CMBULK_BASE_URL", "base-url"},
    {"CMBULK_FLAVOR", "flavor"},
    {"CMBULK_RATE", "rate"},
    {"CMBULK_BURST", "burst"},
    {"CMBULK_CONCURRENCY", "concurrency"},
    {"CMBULK_CACERT", "cacert"},
    {"CMBULK_PRIVATE_KEY_FILE", "private-key-file"},
    {"CMBULK_CONNECT_TIMEOUT", "connect-timeout"},
    {"CMBULK_REQUEST_TIMEOUT", "request-timeout"},
    {"CMBULK_MAX_ATTEMPTS", "max-attempts"},
    {"CMBULK_LOG_FORMAT", "log-format"},
}};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::span<const std::string_view> config_keys() { return keys; }

std::span<const std::pair<std::string_view, std::string_view>> config_environment_variables() {
    return env_vars;
}

boost::system::result<std::vector<config_entry>> parse_config(std::string_view text,
                                                              std::string_view file_name,
                                                              std::string& error) {
    std::vector<config_entry> out;
    std::set<std::string> seen;
    std::size_t line_no = 0;
    auto fail = [&](std::string why) {
        error = std::string(file_name) + ":" + std::to_string(line_no) + ": " + why;
        return boost::system::result<std::vector<config_entry>>(
            boost::system::errc::make_error_code(boost::system::errc::invalid_argument));
    };
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            if (line != "[cmbulk]")
                return fail("unknown section " + std::string(line) + " (only [cmbulk])");
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos) return fail("expected key = value");
        std::string key(trim(line.substr(0, eq)));
        std::replace(key.begin(), key.end(), '_', '-');
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string_view value = trim(line.substr(eq + 1));
        // An inline comment: `#` or `;` after whitespace, outside double quotes.
        if (value.empty() || value.front() != '"') {
            for (std::size_t i = 1; i < value.size(); ++i)
                if ((value[i] == '#' || value[i] == ';') &&
                    (value[i - 1] == ' ' || value[i - 1] == '\t')) {
                    value = trim(value.substr(0, i));
                    break;
                }
        }
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        // The value is never echoed: a misplaced secret must not reach a terminal or a log.
        if (key == "private-key" || key == "client-secret")
            return fail("'" + key +
                        "' does not belong in a config file; name a mode-600 file with "
                        "private-key-file, or use the environment");
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            return fail("unknown key '" + key + "'");
        if (!seen.insert(key).second) return fail("'" + key + "' is set twice");
        out.push_back(
            {key, std::string(value), std::string(file_name) + ":" + std::to_string(line_no)});
    }
    return out;
}

std::vector<config_entry> config_from_environment(
    const std::function<const char*(const char*)>& get) {
    std::vector<config_entry> out;
    for (auto& [var, key] : env_vars) {
        std::string name(var);
        const char* v = get(name.c_str());
        if (v && *v) out.push_back({std::string(key), v, name});
    }
    return out;
}

std::vector<config_entry> merge_config(const std::vector<config_entry>& environment,
                                       const std::vector<config_entry>& file,
                                       bool env_has_credentials) {
    std::map<std::string, config_entry> merged;
    for (auto& e : file) {
        if (env_has_credentials && (e.key == "public-key" || e.key == "private-key-file")) continue;
        merged[e.key] = e;
    }
    for (auto& e : environment) merged[e.key] = e;
    std::vector<config_entry> out;
    for (auto& [k, e] : merged) out.push_back(e);
    return out;
}

std::filesystem::path default_config_path(const std::function<const char*(const char*)>& get) {
    const char* xdg = get("XDG_CONFIG_HOME");
    if (xdg && *xdg) return std::filesystem::path(xdg) / "cmbulk" / "config";
    const char* home = get("HOME");
    if (home && *home) return std::filesystem::path(home) / ".config" / "cmbulk" / "config";
    return {};
}

}  // namespace cmbulk
