// Shared option groups, the checks of --set values, the server options with their credentials,
// and help texts of the cmbulk command line. The settings behind the options (sources, profiles,
// the config file) are in cli_settings.cpp.
#include "cli_common.hpp"

#include <algorithm>
#include <iostream>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/config.hpp"
#include "cmbulk/url.hpp"

namespace cmbulk::cli {

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0    every row succeeded\n"
    "  1    some rows failed, were invalid (--skip-invalid) or did not run\n"
    "  2    usage error or invalid manifest: nothing was sent\n"
    "  3    fatal: authentication failed or server unreachable; the run stopped\n"
    "  4    plan --detailed-exitcode: there are changes\n"
    "  130  interrupted (SIGINT/SIGTERM); finish with --resume\n";

const char* const credentials_help =
    "Credentials (never on the command line); the first source that has one wins:\n"
    "  1. CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY, or --public-key with --private-key-file FILE\n"
    "     (or CMBULK_PRIVATE_KEY_FILE; the file must not be readable by group or others)\n"
    "  2. MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY (the Atlas CLI's)\n"
    "  3. MCLI_PUBLIC_API_KEY + MCLI_PRIVATE_API_KEY (mongocli's)\n"
    "  4. a service account (OAuth 2.0): CMBULK_CLIENT_ID + CMBULK_CLIENT_SECRET, else\n"
    "     MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET\n"
    "  5. --profile NAME: an Atlas CLI or mongocli profile (~/.config/atlascli/config.toml,\n"
    "     ~/.config/mongocli/config.toml; atlascli:NAME or mongocli:NAME picks the file); it\n"
    "     also gives the base URL (ops_manager_url) and the flavor (service)\n"
    "  6. the config file's public-key + private-key-file\n"
    "  Settings: flag > environment > profile > config file (docs/config.md).\n";

namespace {

bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

/// A --set value that is a reference written the shell's or another tool's way ($NAME, ${NAME},
/// ${ENV:NAME}, PowerShell's $env:NAME): the reference meant; "" for anything else.
std::string reference_meant(std::string_view v) {
    if (v.size() > 1 && v[0] == '$' && is_identifier(v.substr(1)))
        return "${env:" + std::string(v.substr(1)) + "}";
    if (starts_with_nocase(v, "$env:") && is_identifier(v.substr(5)))
        return "${env:" + std::string(v.substr(5)) + "}";
    if (v.size() < 3 || !v.starts_with("${") || !v.ends_with("}")) return "";
    auto inner = v.substr(2, v.size() - 3);
    if (is_identifier(inner)) return "${env:" + std::string(inner) + "}";
    if (starts_with_nocase(inner, "env:") && !inner.starts_with("env:"))
        return "${env:" + std::string(inner.substr(4)) + "}";
    if (starts_with_nocase(inner, "file:") && !inner.starts_with("file:"))
        return "${file:" + std::string(inner.substr(5)) + "}";
    return "";
}

bool is_reference(std::string_view v) {
    return (v.starts_with("${env:") || v.starts_with("${file:")) && v.ends_with("}");
}

/// Whether `field` holds a secret: in --type's type when given, else in any type.
bool is_secret_field(std::string_view field, std::string_view type) {
    for (auto& t : all_types()) {
        if (!type.empty() && t.name != type) continue;
        if (auto* f = t.find_field(field); f && f->secret != secrecy::none) return true;
    }
    return false;
}

bool fill_set_fields(const po::variables_map& vm, manifest_options& mo, std::string& msg) {
    if (!vm.count("set")) return true;
    bool allow_literal = vm.count("allow-literal-secret") > 0;
    for (auto& kv : vm["set"].as<std::vector<std::string>>()) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            msg = "--set: expected FIELD=VALUE";
            return false;
        }
        auto name = kv.substr(0, eq);
        std::string_view value = std::string_view(kv).substr(eq + 1);
        // Names only, never the value: `$NAME` is a variable's name, a literal may be a secret.
        if (auto meant = reference_meant(value); !meant.empty()) {
            msg = "--set " + name + ": '" + std::string(value) +
                  "' would be sent as it is (cmbulk expands no shell variables): did you mean " +
                  name + "=" + meant + "?";
            return false;
        }
        if (!allow_literal && !is_reference(value) && is_secret_field(name, mo.type)) {
            msg = "--set " + name +
                  ": a literal secret on the command line can be read by every user of this "
                  "machine (ps, /proc) and stays in your shell history: write " +
                  name + "=${env:NAME} or " + name + "=${file:PATH}, or add --allow-literal-secret";
            return false;
        }
        mo.set_fields.emplace_back(std::move(name), std::string(value));
    }
    return true;
}

}  // namespace

po::options_description manifest_options_desc() {
    po::options_description d("Manifest");
    // clang-format off
    d.add_options()
        ("format", po::value<std::string>(), "csv, json or jsonl (default: from the extension)")
        ("delimiter", po::value<std::string>(),
         "CSV delimiter: ',', ';' or tab (default: from the header line, so Excel's ';' files "
         "work as saved)")
        ("type", po::value<std::string>(), "integration type for every row (e.g. SLACK)")
        ("set", po::value<std::vector<std::string>>()->composing(),
         "FIELD=VALUE for every row (repeatable); secrets as ${env:NAME} or ${file:PATH}")
        ("allow-literal-secret", "accept a literal secret in --set (it is never logged or reported)")
        ("action", po::value<std::string>()->default_value("create"),
         "create (POST), update (read, then PUT the integration as read with the row's fields over it), upsert (read, then POST or PUT) or delete (DELETE)")
        ("flavor", po::value<std::string>()->default_value("cloud-manager"),
         "cloud-manager, ops-manager, atlas (v2) or atlas-v1 (the deprecated /api/atlas/v1.0; default: from --base-url's path, else cloud-manager)");
    // clang-format on
    return d;
}

bool fill_manifest_options(const po::variables_map& vm, manifest_options& mo, std::string& msg) {
    if (vm.count("format")) {
        auto f = vm["format"].as<std::string>();
        auto fmt = parse_format(f);
        if (!fmt) {
            msg = "--format: expected csv, json or jsonl, got '" + f + "'";
            return false;
        }
        mo.format = *fmt;
    }
    if (vm.count("type")) {
        mo.type = vm["type"].as<std::string>();
        if (!find_type(mo.type)) {
            msg = "--type: unknown integration type '" + mo.type + "'";
            return false;
        }
    }
    if (!fill_set_fields(vm, mo, msg)) return false;
    auto action = parse_action(vm["action"].as<std::string>());
    if (!action || *action == row_action::none) {
        msg = "--action: expected create, update, upsert or delete";
        return false;
    }
    mo.default_action = *action;
    auto target = resolve_target(vm, msg);
    if (!target) return false;
    mo.target_flavor = target->api_flavor;
    if (vm.count("delimiter")) {
        auto d = vm["delimiter"].as<std::string>();
        if (d == "," || d == ";")
            mo.delimiter = d[0];
        else if (d == "tab" || d == "\t" || d == "\\t")
            mo.delimiter = '\t';
        else {
            msg = "--delimiter: expected ',', ';' or tab, got '" + d + "'";
            return false;
        }
    }
    // Warnings of the manifest (a column name with spaces around it) go to stderr, once.
    mo.warn = [](const diagnostics& w) {
        std::cerr << "cmbulk: warning: " << to_string(w) << "\n";
    };
    return true;
}

po::options_description target_options_desc() {
    po::options_description d("API");
    // clang-format off
    d.add_options()
        ("base-url", po::value<std::string>(),
         "the base URL as MongoDB documents it (or scheme://host[:port] with --flavor):\n"
         "Cloud Manager (the default):\n"
         "  https://cloud.mongodb.com/api/public/v1.0\n"
         "Ops Manager:\n"
         "  https://{host}:{port}/api/public/v1.0\n"
         "Atlas:\n"
         "  https://cloud.mongodb.com/api/atlas/v2\n"
         "Atlas v1.0 (deprecated):\n"
         "  https://cloud.mongodb.com/api/atlas/v1.0")
        ("profile", po::value<std::vector<std::string>>()->composing(),
         "NAME (or atlascli:NAME, mongocli:NAME): an Atlas CLI / mongocli profile's key, "
         "base URL and service; repeated (--profile a --profile b), a fleet: each profile's "
         "credential serves its org_id, as a --credentials file of those profiles");
    // clang-format on
    return d;
}

po::options_description server_options_desc() {
    po::options_description server("Server");
    server.add(target_options_desc());
    // clang-format off
    server.add_options()
        ("public-key", po::value<std::string>(), "API public key (the private key comes from a file or the environment)")
        ("private-key-file", po::value<std::string>(), "file holding the API private key (mode 600)")
        ("credentials", po::value<std::string>(),
         "FILE: a fleet's credentials (TOML, one per organization; docs/config.md): each row "
         "goes out with its project's organization's credential")
        ("allow-insecure-key-file", "accept a key file (or profile file) readable by other users")
        ("cacert", po::value<std::string>(), "PEM file of CA certificates to trust")
        ("insecure", "do not verify the server's certificate (warns)")
        ("allow-http", "allow credentials over plain http:// to a non-loopback host")
        ("config", po::value<std::string>(),
         "config file (default ~/.config/cmbulk/config); flag > environment > profile > "
         "config file")
        ("connect-timeout", po::value<double>()->default_value(10), "seconds (0: off)")
        ("request-timeout", po::value<double>()->default_value(30), "seconds per request (0: off)")
        ("body-limit", po::value<std::size_t>()->default_value(16 * 1024 * 1024), "max response body bytes")
        ("max-retry-after", po::value<double>()->default_value(60),
         "seconds: longest server Retry-After honoured (longer ones are capped)");
    // clang-format on
    return server;
}

namespace {

bool fill_credentials(const po::variables_map& vm, api_config& cfg, std::string& msg) {
    key_options keys;
    keys.public_key = setting(vm, "public-key");
    keys.private_key_file = setting(vm, "private-key-file");
    keys.allow_insecure_key_file = vm.count("allow-insecure-key-file") > 0;
    auto& ctx = context_of(vm);
    diagnostics diag;
    auto r = resolve_credentials(keys, ctx.profile ? &*ctx.profile : nullptr, process_environment(),
                                 disk_file_reader(), diag);
    if (!r) {
        msg = to_string(diag);
        return false;
    }
    for (auto& note : r->notes) std::cerr << "cmbulk: note: " << note << "\n";
    cfg.creds = std::move(r->creds);
    cfg.credential_source = std::move(r->source);
    return true;
}

}  // namespace

bool fill_api_config(const po::variables_map& vm, api_config& cfg, std::string& msg) {
    auto target = resolve_target(vm, msg);
    if (!target) return false;
    cfg.api_flavor = target->api_flavor;
    cfg.path_prefix = target->path_prefix;
    if (!target->base_url.empty()) {
        cfg.base_url = target->base_url;
    } else if (cfg.api_flavor == flavor::ops_manager) {
        msg = "--base-url is required for ops-manager (https://{host}:{port}/api/public/v1.0)";
        return false;
    } else {
        cfg.base_url = "https://cloud.mongodb.com";
    }
    diagnostics diag;
    auto url = parse_base_url(cfg.base_url, diag);
    if (!url) {
        msg = "--base-url: " + diag.message;
        return false;
    }
    cfg.insecure = vm.count("insecure") > 0;
    if (vm.count("cacert")) cfg.cacert = vm["cacert"].as<std::string>();
    cfg.connect_timeout =
        std::chrono::milliseconds(static_cast<long>(vm["connect-timeout"].as<double>() * 1000));
    cfg.request_timeout =
        std::chrono::milliseconds(static_cast<long>(vm["request-timeout"].as<double>() * 1000));
    cfg.body_limit = vm["body-limit"].as<std::size_t>();
    auto max_retry_after = vm["max-retry-after"].as<double>();
    if (!(max_retry_after >= 0 && max_retry_after <= 86400)) {
        msg = "--max-retry-after: expected 0 to 86400 seconds";
        return false;
    }
    cfg.max_retry_after = std::chrono::milliseconds(static_cast<long>(max_retry_after * 1000));
    // A fleet's credentials come from --credentials or --profile repeated (fill_fleet), one per
    // organization.
    if (!is_fleet(vm) && !fill_credentials(vm, cfg, msg)) return false;
    if (url->root.starts_with("http:") && !is_loopback_host(url->host) && !vm.count("allow-http")) {
        msg = "refusing to send credentials over plain http:// to " + url->host +
              " (use https://, or --allow-http)";
        return false;
    }
    if (cfg.insecure)
        std::cerr << "cmbulk: warning: --insecure: the server's certificate is not verified\n";
    return true;
}

std::vector<std::string> profiles_given(const po::variables_map& vm) {
    if (!vm.count("profile")) return {};
    return vm["profile"].as<std::vector<std::string>>();
}

bool is_fleet(const po::variables_map& vm) {
    return vm.count("credentials") > 0 || profiles_given(vm).size() > 1;
}

namespace {

/// --profile repeated: the fleet a credentials file of those profiles would be (`profiles =
/// [...]`), resolved by the same code; an entry's place is "--profile:N" (the Nth).
bool fill_fleet_of_profiles(const po::variables_map& vm, std::vector<org_credential>& fleet,
                            std::string& msg) {
    if (vm.count("credentials")) {
        msg = "--credentials and --profile repeated: give the fleet one way";
        return false;
    }
    std::vector<credential_entry> entries;
    for (auto& p : profiles_given(vm)) {
        credential_entry e;
        e.profile = p;
        e.file = "--profile";
        e.line = entries.size() + 1;
        entries.push_back(std::move(e));
    }
    diagnostics diag;
    auto creds = resolve_credentials_file(entries, ".", process_environment(), disk_file_reader(),
                                          vm.count("allow-insecure-key-file") > 0, diag);
    if (!creds) {
        msg = "--profile: " + to_string(diag);
        return false;
    }
    fleet = std::move(*creds);
    return true;
}

}  // namespace

bool fill_fleet(const po::variables_map& vm, std::vector<org_credential>& fleet, std::string& msg) {
    if (profiles_given(vm).size() > 1) return fill_fleet_of_profiles(vm, fleet, msg);
    if (!vm.count("credentials")) return true;
    diagnostics diag;
    auto creds =
        load_credentials_file(vm["credentials"].as<std::string>(), process_environment(),
                              disk_file_reader(), vm.count("allow-insecure-key-file") > 0, diag);
    if (!creds) {
        msg = "--credentials: " + to_string(diag);
        return false;
    }
    fleet = std::move(*creds);
    return true;
}

}  // namespace cmbulk::cli
