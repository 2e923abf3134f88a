// The config file parser, the option environment variables, their layered merge and the config
// domain's error category (see config.hpp). Pure: the caller supplies the file's text and a
// getenv-like function.
#include "cmbulk/config.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "cmbulk/catalogue.hpp"

namespace cmbulk {

namespace {

struct config_category_impl : boost::system::error_category {
    const char* name() const noexcept override { return "cmbulk.config"; }
    std::string message(int ev) const override {
        switch (static_cast<config_errc>(ev)) {
            case config_errc::syntax:
                return "syntax error";
            case config_errc::unknown_key:
                return "unknown key";
            case config_errc::duplicate_key:
                return "given twice";
            case config_errc::secret_in_file:
                return "a secret where only a reference or a key file may stand";
            case config_errc::unreadable_file:
                return "cannot read the file";
            case config_errc::insecure_file:
                return "a file with a secret that other users can read";
            case config_errc::bad_value:
                return "bad value";
            case config_errc::unknown_profile:
                return "no such profile";
            case config_errc::ambiguous_profile:
                return "the profile is in more than one file";
            case config_errc::incomplete_credential:
                return "half a credential";
            case config_errc::no_credentials:
                return "no credentials";
            case config_errc::conflict:
                return "settings that contradict each other";
        }
        return "unknown config error";
    }
};

constexpr std::array<std::string_view, 21> keys{"base-url",
                                                "flavor",
                                                "profile",
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

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> env_vars{{
    {"CMBULK_BASE_URL", "base-url"},
    {"CMBULK_FLAVOR", "flavor"},
    {"CMBULK_PROFILE", "profile"},
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

/// Variables cmbulk reads that stand for no option (credentials, the config file's path).
constexpr std::array<std::string_view, 5> other_vars{"CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY",
                                                     "CMBULK_CLIENT_ID", "CMBULK_CLIENT_SECRET",
                                                     "CMBULK_CONFIG"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string normal_key(std::string_view raw) {
    std::string key(trim(raw));
    std::replace(key.begin(), key.end(), '_', '-');
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

/// The value part of `key = value`: an inline comment (`#` or `;` after whitespace, outside
/// double quotes) cut off, surrounding double quotes removed.
std::string_view config_value(std::string_view value) {
    value = trim(value);
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
    return value;
}

}  // namespace

const boost::system::error_category& config_category() {
    static config_category_impl cat;
    return cat;
}

boost::system::error_code make_error_code(config_errc e) {
    return {static_cast<int>(e), config_category()};
}

std::span<const std::string_view> config_keys() { return keys; }

std::span<const std::pair<std::string_view, std::string_view>> config_environment_variables() {
    return env_vars;
}

boost::system::result<std::vector<config_entry>> parse_config(std::string_view text,
                                                              std::string_view file_name,
                                                              diagnostics& diag) {
    std::vector<config_entry> out;
    std::set<std::string> seen;
    std::size_t line_no = 0;
    auto fail = [&](config_errc code, std::string field, std::string why) {
        diag = {std::string(file_name), line_no, std::move(field), std::move(why)};
        return boost::system::result<std::vector<config_entry>>(make_error_code(code));
    };
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            if (line != "[cmbulk]")
                return fail(config_errc::syntax, "",
                            "unknown section " + std::string(line) + " (only [cmbulk])");
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return fail(config_errc::syntax, "", "expected key = value");
        std::string key = normal_key(line.substr(0, eq));
        std::string_view value = config_value(line.substr(eq + 1));
        // The value is never echoed: a misplaced secret must not reach a terminal or a log.
        if (key == "private-key" || key == "client-secret")
            return fail(config_errc::secret_in_file, key,
                        "does not belong in a config file; name a mode-600 file with "
                        "private-key-file, or use the environment");
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            auto near = closest_name(key, keys);
            return fail(config_errc::unknown_key, key,
                        "unknown key" + (near.empty() ? "" : " (did you mean " + near + "?)"));
        }
        if (!seen.insert(key).second) return fail(config_errc::duplicate_key, key, "set twice");
        out.push_back({key, std::string(value),
                       std::string(file_name) + ":" + std::to_string(line_no),
                       setting_origin::config_file});
    }
    return out;
}

std::vector<config_entry> config_from_environment(
    const std::function<const char*(const char*)>& get) {
    std::vector<config_entry> out;
    for (auto& [var, key] : env_vars) {
        std::string name(var);
        const char* v = get(name.c_str());
        if (v && *v) out.push_back({std::string(key), v, name, setting_origin::environment});
    }
    return out;
}

std::vector<config_entry> merge_config(std::span<const std::vector<config_entry>> layers) {
    std::map<std::string, config_entry> merged;
    for (auto& layer : layers)
        for (auto& e : layer) merged.try_emplace(e.key, e);
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

std::vector<std::pair<std::string, std::string>> unknown_cmbulk_variables(
    std::span<const std::string> names) {
    std::vector<std::string_view> known(other_vars.begin(), other_vars.end());
    for (auto& [var, key] : env_vars) known.push_back(var);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& name : names) {
        if (!name.starts_with("CMBULK_")) continue;
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        auto near = closest_name(name, known);
        if (!near.empty()) out.emplace_back(name, near);
    }
    return out;
}

}  // namespace cmbulk
