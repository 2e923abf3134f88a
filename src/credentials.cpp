// Credentials and profiles (see credentials.hpp): the environment's pairs, the Atlas CLI's and
// mongocli's config.toml profiles (toml++), key files, and the one precedence that picks the
// credential. Every message names where a value came from, never the value of a secret.
#include "cmbulk/credentials.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "toml_util.hpp"

namespace cmbulk {

namespace detail {

std::optional<toml::table> parse_toml(std::string_view text, std::string_view file_name,
                                      diagnostics& diag) {
    try {
        return toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        diag = {std::string(file_name), e.source().begin.line, "",
                "TOML syntax error: " + std::string(e.description())};
        return std::nullopt;
    }
}

}  // namespace detail

namespace {

constexpr std::size_t max_file_bytes = 1024 * 1024;

boost::system::error_code fail(diagnostics& diag, config_errc code, std::string file,
                               std::uint64_t line, std::string field, std::string message) {
    diag = {std::move(file), line, std::move(field), std::move(message)};
    return make_error_code(code);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

env_lookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (!v || !*v) return std::nullopt;
        return std::string(v);
    };
}

file_reader disk_file_reader() {
    return [](const std::filesystem::path& path,
              diagnostics& diag) -> boost::system::result<file_contents> {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            diag.message = "cannot read it (no such file)";
            return make_error_code(config_errc::unreadable_file);
        }
        if (!S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) > max_file_bytes) {
            diag.message = S_ISREG(st.st_mode) ? "cannot read it (larger than 1 MiB)"
                                               : "cannot read it (not a regular file)";
            return make_error_code(config_errc::unreadable_file);
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (!in) {
            diag.message = "cannot read it";
            return make_error_code(config_errc::unreadable_file);
        }
        return file_contents{ss.str(), static_cast<unsigned>(st.st_mode & 0777)};
    };
}

boost::system::result<std::string> read_key_file(const std::filesystem::path& path,
                                                 std::string_view what, bool allow_insecure,
                                                 const file_reader& read, diagnostics& diag) {
    diagnostics why;
    auto f = read(path, why);
    if (!f)
        return fail(diag, config_errc::unreadable_file, path.string(), 0, std::string(what),
                    why.message);
    if ((f->mode & 077) && !allow_insecure)
        return fail(diag, config_errc::insecure_file, path.string(), 0, std::string(what),
                    "readable by other users; chmod 600 it (or --allow-insecure-key-file)");
    std::string key = std::move(f->text);
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.empty())
        return fail(diag, config_errc::bad_value, path.string(), 0, std::string(what), "empty");
    return key;
}

// ---- profiles ---------------------------------------------------------------------------------

std::string_view to_string(profile_tool t) {
    return t == profile_tool::atlascli ? "atlascli" : "mongocli";
}

std::filesystem::path profile_file(profile_tool t, const env_lookup& env) {
    std::filesystem::path home;
    if (auto xdg = env("XDG_CONFIG_HOME"))
        home = *xdg;
    else if (auto h = env("HOME"))
        home = std::filesystem::path(*h) / ".config";
    else
        return {};
    return home / std::string(to_string(t)) / "config.toml";
}

const profile_value* cli_profile::find(std::string_view key) const {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
}

std::string cli_profile::where(std::string_view key) const {
    auto* v = key.empty() ? nullptr : find(key);
    return "profile '" + name + "' (" + file + ":" + std::to_string(v ? v->line : line) + ")";
}

boost::system::result<profile_request> parse_profile_request(std::string_view text,
                                                             std::string source,
                                                             diagnostics& diag) {
    profile_request r;
    r.source = std::move(source);
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
        auto tool = text.substr(0, colon);
        if (tool == "atlascli" || tool == "atlas")
            r.tool = profile_tool::atlascli;
        else if (tool == "mongocli")
            r.tool = profile_tool::mongocli;
        else
            return fail(diag, config_errc::bad_value, r.source, 0, "profile",
                        "'" + std::string(tool) + ":' is not a tool: write atlascli:NAME or " +
                            "mongocli:NAME");
        text = text.substr(colon + 1);
    }
    if (text.empty() || text.find('.') != std::string_view::npos)
        return fail(diag, config_errc::bad_value, r.source, 0, "profile",
                    "a profile name is not empty and has no '.'");
    r.name = lower(text);
    return r;
}

std::vector<std::string> profile_names(std::string_view toml_text) {
    diagnostics ignored;
    auto t = detail::parse_toml(toml_text, "", ignored);
    std::vector<std::string> out;
    if (!t) return out;
    for (auto&& [k, v] : *t)
        if (v.is_table()) out.push_back(lower(k.str()));
    std::sort(out.begin(), out.end());
    return out;
}

boost::system::result<cli_profile> parse_profile(std::string_view toml_text,
                                                 std::string_view file_name, std::string_view name,
                                                 profile_tool tool, diagnostics& diag) {
    auto t = detail::parse_toml(toml_text, file_name, diag);
    if (!t) return make_error_code(config_errc::syntax);
    std::vector<std::string> names;
    for (auto&& [k, v] : *t) {
        if (!v.is_table()) continue;  // global settings such as telemetry_enabled
        names.push_back(lower(k.str()));
        if (names.back() != lower(name)) continue;
        cli_profile p;
        p.name = names.back();
        p.tool = tool;
        p.file = std::string(file_name);
        p.line = k.source().begin.line;
        for (auto&& [key, value] : *v.as_table())
            if (auto s = value.value<std::string>())
                p.values[lower(key.str())] = {std::move(*s), detail::line_of(value)};
        return p;
    }
    std::sort(names.begin(), names.end());
    return fail(diag, config_errc::unknown_profile, std::string(file_name), 0, "profile",
                "no profile '" + std::string(name) + "'" +
                    (names.empty() ? " (the file has none)" : " (it has " + join(names) + ")"));
}

boost::system::result<cli_profile> load_profile(const profile_request& request,
                                                const env_lookup& env, const file_reader& read,
                                                diagnostics& diag) {
    std::vector<cli_profile> found;
    std::vector<std::string> looked;
    for (auto tool : {profile_tool::atlascli, profile_tool::mongocli}) {
        if (request.tool && *request.tool != tool) continue;
        auto path = profile_file(tool, env);
        if (path.empty()) continue;
        diagnostics why;
        auto f = read(path, why);
        if (!f) {
            looked.push_back(path.string() + " (absent)");
            continue;
        }
        auto p = parse_profile(f->text, path.string(), request.name, tool, diag);
        if (!p && p.error() != config_errc::unknown_profile) return p.error();
        if (!p) {
            auto names = profile_names(f->text);
            looked.push_back(path.string() + (names.empty() ? " (no profiles)"
                                                            : " (profiles " + join(names) + ")"));
            continue;
        }
        p->file_mode = f->mode;
        found.push_back(std::move(*p));
    }
    if (found.size() > 1)
        return fail(diag, config_errc::ambiguous_profile, request.source, 0, "profile",
                    "'" + request.name + "' is a profile of both " + found[0].file + " and " +
                        found[1].file + ": write atlascli:" + request.name +
                        " or mongocli:" + request.name);
    if (found.empty())
        return fail(
            diag, config_errc::unknown_profile, request.source, 0, "profile",
            "no profile '" + request.name + "' in " +
                (looked.empty() ? std::string("any file (HOME is not set)") : join(looked)));
    return std::move(found.front());
}

namespace {

/// One tool setting: the first variable set, else the profile's key (or its alias).
std::optional<config_entry> tool_value(const cli_profile* p, const env_lookup& env,
                                       std::initializer_list<std::string_view> vars,
                                       std::initializer_list<std::string_view> keys) {
    for (auto var : vars)
        if (auto v = env(var))
            return config_entry{"", *v, std::string(var), setting_origin::environment};
    if (p)
        for (auto key : keys)
            if (auto* v = p->find(key); v && !v->value.empty())
                return config_entry{"", v->value, p->where(key), setting_origin::profile};
    return std::nullopt;
}

}  // namespace

boost::system::result<std::vector<config_entry>> tool_settings(const cli_profile* profile,
                                                               const env_lookup& env,
                                                               diagnostics& diag) {
    std::vector<config_entry> out;
    auto url = tool_value(profile, env, {"MONGODB_ATLAS_OPS_MANAGER_URL", "MCLI_OPS_MANAGER_URL"},
                          {"ops_manager_url", "base_url"});
    auto service = tool_value(profile, env, {"MONGODB_ATLAS_SERVICE", "MCLI_SERVICE"}, {"service"});
    // The tools read a missing service as "cloud" (Atlas); without a profile nothing is implied.
    if (!service && profile)
        service = config_entry{"", "cloud", profile->where() + " (no service: cloud)",
                               setting_origin::profile};
    if (service) {
        std::string fl;
        if (service->value == "cloud" || service->value == "cloudgov")
            fl = "atlas";
        else if (service->value == "cloud-manager" || service->value == "ops-manager")
            fl = service->value;
        else
            return fail(diag, config_errc::bad_value, service->source, 0, "service",
                        "unknown service '" + service->value +
                            "' (cloud, cloudgov, cloud-manager or ops-manager)");
        if (service->value == "ops-manager" && !url)
            return fail(diag, config_errc::bad_value, service->source, 0, "service",
                        "service ops-manager needs ops_manager_url (or MCLI_OPS_MANAGER_URL)");
        if (service->value == "cloudgov" && !url)
            url = config_entry{"", "https://cloud.mongodbgov.com",
                               service->source + " (service cloudgov)", service->origin};
        out.push_back(
            {"flavor", fl, "service " + service->value + ": " + service->source, service->origin});
    }
    if (url) out.push_back({"base-url", url->value, url->source, url->origin});
    return out;
}

// ---- choosing the credential -------------------------------------------------------------------

namespace {

using found = std::optional<boost::system::result<resolved_credentials>>;

/// One half of the cmbulk key: where it came from, and the key itself or the file holding it.
struct key_half {
    std::string source;  ///< "--public-key", "CMBULK_PRIVATE_KEY", "FILE:3 private-key-file"
    std::string value;   ///< the key, or the key file's path
    bool is_file = false;
    bool is_flag = false;
};

std::string is_set(const key_half& h) { return h.source + (h.is_flag ? " is given" : " is set"); }

resolved_credentials api_key(std::string pub, std::string priv, std::string source) {
    resolved_credentials r;
    r.creds.public_key = std::move(pub);
    r.creds.private_key = std::move(priv);
    r.source = std::move(source);
    return r;
}

/// A pair of halves into an API key, reading the private key file; `missing_*` name what would
/// complete a half.
found key_pair(const std::optional<key_half>& pub, const std::optional<key_half>& priv,
               std::string_view missing_public, std::string_view missing_private,
               const key_options& keys, const file_reader& read, diagnostics& diag) {
    if (!pub && !priv) return std::nullopt;
    if (!pub)
        return fail(diag, config_errc::incomplete_credential, "", 0, "",
                    is_set(*priv) + " but " + std::string(missing_public));
    if (!priv)
        return fail(diag, config_errc::incomplete_credential, "", 0, "",
                    is_set(*pub) + " but " + std::string(missing_private));
    std::string secret = priv->value;
    if (priv->is_file) {
        auto k = read_key_file(priv->value, priv->is_flag ? "--private-key-file" : priv->source,
                               keys.allow_insecure_key_file, read, diag);
        if (!k) return k.error();
        secret = std::move(*k);
    }
    return api_key(pub->value, std::move(secret),
                   pub->source + " + " + priv->source + (priv->is_file ? " " + priv->value : ""));
}

/// 1. cmbulk's own key from flags and CMBULK_* variables (a half completed by the config file).
found own_key(const key_options& keys, const env_lookup& env, const file_reader& read,
              diagnostics& diag) {
    auto origin_is = [](const std::optional<config_entry>& e, setting_origin o) {
        return e && e->origin == o;
    };
    std::optional<key_half> pub, priv;
    if (origin_is(keys.public_key, setting_origin::flag))
        pub = key_half{"--public-key", keys.public_key->value, false, true};
    else if (auto v = env("CMBULK_PUBLIC_KEY"))
        pub = key_half{"CMBULK_PUBLIC_KEY", *v};
    if (origin_is(keys.private_key_file, setting_origin::flag))
        priv = key_half{"--private-key-file", keys.private_key_file->value, true, true};
    else if (auto v = env("CMBULK_PRIVATE_KEY"))
        priv = key_half{"CMBULK_PRIVATE_KEY", *v};
    else if (origin_is(keys.private_key_file, setting_origin::environment))
        priv = key_half{keys.private_key_file->source, keys.private_key_file->value, true};
    if (!pub && !priv) return std::nullopt;
    if (!pub && origin_is(keys.public_key, setting_origin::config_file))
        pub = key_half{keys.public_key->source + " public-key", keys.public_key->value};
    if (!priv && origin_is(keys.private_key_file, setting_origin::config_file))
        priv = key_half{keys.private_key_file->source + " private-key-file",
                        keys.private_key_file->value, true};
    return key_pair(pub, priv, "CMBULK_PUBLIC_KEY is not (nor --public-key)",
                    "CMBULK_PRIVATE_KEY is not (nor --private-key-file or CMBULK_PRIVATE_KEY_FILE)",
                    keys, read, diag);
}

/// 7. the config file's public-key + private-key-file.
found config_key(const key_options& keys, const file_reader& read, diagnostics& diag) {
    std::optional<key_half> pub, priv;
    if (keys.public_key && keys.public_key->origin == setting_origin::config_file)
        pub = key_half{keys.public_key->source + " public-key", keys.public_key->value};
    if (keys.private_key_file && keys.private_key_file->origin == setting_origin::config_file)
        priv = key_half{keys.private_key_file->source + " private-key-file",
                        keys.private_key_file->value, true};
    return key_pair(pub, priv, "no public-key is", "no private-key-file is", keys, read, diag);
}

/// A pair of the tools' variables (2 to 5).
struct env_pair {
    std::string_view first, second;
    bool service_account;
    std::string_view org_var;  ///< the organization variable of the same tool, or ""
};
constexpr std::array<env_pair, 4> env_pairs{{
    {"MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY", false,
     "MONGODB_ATLAS_ORG_ID"},
    {"MCLI_PUBLIC_API_KEY", "MCLI_PRIVATE_API_KEY", false, "MCLI_ORG_ID"},
    {"CMBULK_CLIENT_ID", "CMBULK_CLIENT_SECRET", true, ""},
    {"MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET", true, "MONGODB_ATLAS_ORG_ID"},
}};

found from_env_pair(const env_pair& p, const env_lookup& env, diagnostics& diag) {
    auto a = env(p.first);
    auto b = env(p.second);
    if (!a && !b) return std::nullopt;
    if (!a || !b)
        return fail(diag, config_errc::incomplete_credential, "", 0, "",
                    std::string(a ? p.first : p.second) + " is set but " +
                        std::string(a ? p.second : p.first) + " is not");
    resolved_credentials r;
    if (p.service_account) {
        r.creds.client_id = std::move(*a);
        r.creds.client_secret = std::move(*b);
    } else {
        r.creds.public_key = std::move(*a);
        r.creds.private_key = std::move(*b);
    }
    r.source = std::string(p.first) + " + " + std::string(p.second);
    if (!p.org_var.empty())
        if (auto org = env(p.org_var)) {
            r.org_id = std::move(*org);
            r.org_source = std::string(p.org_var);
        }
    return r;
}

}  // namespace

boost::system::result<resolved_credentials> profile_credentials(const cli_profile& p,
                                                                bool allow_insecure,
                                                                diagnostics& diag) {
    auto get = [&](std::string_view k) {
        auto* v = p.find(k);
        return v && !v->value.empty() ? v : nullptr;
    };
    auto pair = [&](std::string_view a, std::string_view b) -> found {
        auto* x = get(a);
        auto* y = get(b);
        if (!x && !y) return std::nullopt;
        if (!x || !y)
            return fail(diag, config_errc::incomplete_credential, p.file, p.line, "",
                        p.where(x ? a : b) + " has " + std::string(x ? a : b) + " but no " +
                            std::string(x ? b : a) +
                            " (the Atlas CLI may keep it in the system keyring, which cmbulk "
                            "does not read): add it to the profile, or use the environment");
        if ((p.file_mode & 077) && !allow_insecure)
            return fail(diag, config_errc::insecure_file, p.file, 0, "",
                        "holds the secret of profile '" + p.name +
                            "' and other users can read it; chmod 600 it (or "
                            "--allow-insecure-key-file)");
        resolved_credentials r;
        bool account = a == "client_id";
        (account ? r.creds.client_id : r.creds.public_key) = x->value;
        (account ? r.creds.client_secret : r.creds.private_key) = y->value;
        r.source = p.where();
        if (auto* org = get("org_id")) {
            r.org_id = org->value;
            r.org_source = p.where("org_id");
        }
        return r;
    };
    if (auto r = pair("public_api_key", "private_api_key")) return *r;
    if (auto r = pair("client_id", "client_secret")) return *r;
    if (get("access_token") || get("refresh_token"))
        return fail(diag, config_errc::no_credentials, p.file, p.line, "",
                    p.where() +
                        " holds a user login (access_token), which cmbulk cannot use: give the "
                        "profile an API key or a service account");
    return fail(diag, config_errc::no_credentials, p.file, p.line, "",
                p.where() +
                    " has no API key (public_api_key, private_api_key) and no service account "
                    "(client_id, client_secret)");
}

namespace {

std::string no_credentials_hint(const env_lookup& env, const file_reader& read) {
    std::string hint;
    for (auto tool : {profile_tool::atlascli, profile_tool::mongocli}) {
        auto path = profile_file(tool, env);
        diagnostics ignored;
        auto f = path.empty() ? boost::system::result<file_contents>(
                                    make_error_code(config_errc::unreadable_file))
                              : read(path, ignored);
        if (!f) continue;
        auto names = profile_names(f->text);
        if (!names.empty())
            hint +=
                "; " + path.string() + " has the profiles " + join(names) + " (use --profile NAME)";
    }
    return hint;
}

}  // namespace

boost::system::result<resolved_credentials> resolve_credentials(const key_options& keys,
                                                                const cli_profile* profile,
                                                                const env_lookup& env,
                                                                const file_reader& read,
                                                                diagnostics& diag) {
    auto outranked = [&](resolved_credentials r) {
        if (profile)
            r.notes.push_back(profile->where() + " gives no credential here: " + r.source +
                              " comes first (flag > environment > profile > config file)");
        return r;
    };
    if (auto r = own_key(keys, env, read, diag)) return *r ? outranked(std::move(**r)) : *r;
    for (auto& p : env_pairs)
        if (auto r = from_env_pair(p, env, diag)) return *r ? outranked(std::move(**r)) : *r;
    // 6. A profile asked for gives a credential or an error, never "nothing".
    if (profile) return profile_credentials(*profile, keys.allow_insecure_key_file, diag);
    if (auto r = config_key(keys, read, diag)) return *r;
    return fail(diag, config_errc::no_credentials, "", 0, "",
                "no credentials: set CMBULK_PUBLIC_KEY and CMBULK_PRIVATE_KEY (or "
                "CMBULK_CLIENT_ID and CMBULK_CLIENT_SECRET for a service account), or use "
                "--profile NAME" +
                    no_credentials_hint(env, read));
}

}  // namespace cmbulk
