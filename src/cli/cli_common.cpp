// Shared option groups, credentials and help texts of the cmbulk command line.
#include "cli_common.hpp"

#include <sys/stat.h>

#include <boost/url/parse.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

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
    "Credentials (never on the command line):\n"
    "  API key:  CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY, else MONGODB_ATLAS_PUBLIC_API_KEY +\n"
    "            MONGODB_ATLAS_PRIVATE_API_KEY, else --public-key + --private-key-file FILE\n"
    "            (the file must not be readable by group or others).\n"
    "  Service account (OAuth 2.0): CMBULK_CLIENT_ID + CMBULK_CLIENT_SECRET, else\n"
    "            MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET.\n";

namespace {
std::string getenv_str(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
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
         "FIELD=VALUE for every row (repeatable); use ${env:NAME} or ${file:PATH} for secrets")
        ("action", po::value<std::string>()->default_value("create"),
         "create (POST), update (PUT), upsert (read, then POST or PUT) or delete (DELETE)")
        ("flavor", po::value<std::string>()->default_value("cloud-manager"),
         "cloud-manager, ops-manager or atlas");
    // clang-format on
    return d;
}

bool fill_manifest_options(const po::variables_map& vm, manifest_options& mo, std::string& msg) {
    if (vm.count("format")) {
        auto f = vm["format"].as<std::string>();
        if (f == "csv")
            mo.format = manifest_format::csv;
        else if (f == "json")
            mo.format = manifest_format::json;
        else if (f == "jsonl" || f == "ndjson")
            mo.format = manifest_format::jsonl;
        else {
            msg = "--format: expected csv, json or jsonl, got '" + f + "'";
            return false;
        }
    }
    if (vm.count("type")) {
        mo.type = vm["type"].as<std::string>();
        if (!find_type(mo.type)) {
            msg = "--type: unknown integration type '" + mo.type + "'";
            return false;
        }
    }
    if (vm.count("set")) {
        for (auto& kv : vm["set"].as<std::vector<std::string>>()) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) {
                msg = "--set: expected FIELD=VALUE";
                return false;
            }
            mo.set_fields.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
    }
    auto action = parse_action(vm["action"].as<std::string>());
    if (!action || *action == row_action::none) {
        msg = "--action: expected create, update, upsert or delete";
        return false;
    }
    mo.default_action = *action;
    auto fl = parse_flavor(vm["flavor"].as<std::string>());
    if (!fl) {
        msg = "--flavor: expected cloud-manager, ops-manager or atlas";
        return false;
    }
    mo.target_flavor = *fl;
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

bool read_key_file(const std::string& path, bool allow_insecure, std::string& key,
                   std::string& msg) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        msg = "--private-key-file " + path + ": cannot read it";
        return false;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) && !allow_insecure) {
        msg = "--private-key-file " + path +
              ": readable by other users; chmod 600 it (or --allow-insecure-key-file)";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    key = ss.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.empty()) {
        msg = "--private-key-file " + path + ": empty";
        return false;
    }
    return true;
}

/// Credentials from the environment or the key file. Secrets never come from argv.
bool load_credentials(const po::variables_map& vm, credentials& c, std::string& msg) {
    c.public_key = getenv_str("CMBULK_PUBLIC_KEY");
    c.private_key = getenv_str("CMBULK_PRIVATE_KEY");
    if (c.public_key.empty() || c.private_key.empty()) {
        c.public_key = getenv_str("MONGODB_ATLAS_PUBLIC_API_KEY");
        c.private_key = getenv_str("MONGODB_ATLAS_PRIVATE_API_KEY");
    }
    if (vm.count("public-key")) c.public_key = vm["public-key"].as<std::string>();
    if (vm.count("private-key-file")) {
        if (!read_key_file(vm["private-key-file"].as<std::string>(),
                           vm.count("allow-insecure-key-file") > 0, c.private_key, msg))
            return false;
    }
    if (!c.public_key.empty() && !c.private_key.empty()) return true;
    c.public_key.clear();
    c.private_key.clear();
    c.client_id = getenv_str("CMBULK_CLIENT_ID");
    c.client_secret = getenv_str("CMBULK_CLIENT_SECRET");
    if (c.client_id.empty() || c.client_secret.empty()) {
        c.client_id = getenv_str("MONGODB_ATLAS_CLIENT_ID");
        c.client_secret = getenv_str("MONGODB_ATLAS_CLIENT_SECRET");
    }
    if (!c.client_id.empty() && !c.client_secret.empty()) return true;
    msg = "no credentials: set CMBULK_PUBLIC_KEY and CMBULK_PRIVATE_KEY (or see --help)";
    return false;
}

po::options_description server_options_desc() {
    po::options_description server("Server");
    // clang-format off
    server.add_options()
        ("base-url", po::value<std::string>(),
         "scheme://host[:port] (default https://cloud.mongodb.com; required for ops-manager)")
        ("public-key", po::value<std::string>(), "API public key (the private key comes from a file or the environment)")
        ("private-key-file", po::value<std::string>(), "file holding the API private key (mode 600)")
        ("allow-insecure-key-file", "accept a key file readable by other users")
        ("cacert", po::value<std::string>(), "PEM file of CA certificates to trust")
        ("insecure", "do not verify the server's certificate (warns)")
        ("allow-http", "allow credentials over plain http:// to a non-loopback host")
        ("config", po::value<std::string>(),
         "config file (default $XDG_CONFIG_HOME/cmbulk/config); flag > environment > config")
        ("connect-timeout", po::value<double>()->default_value(10), "seconds (0: off)")
        ("request-timeout", po::value<double>()->default_value(30), "seconds per request (0: off)")
        ("body-limit", po::value<std::size_t>()->default_value(16 * 1024 * 1024), "max response body bytes")
        ("max-retry-after", po::value<double>()->default_value(60),
         "seconds: longest server Retry-After honoured (longer ones are capped)");
    // clang-format on
    return server;
}

bool fill_api_config(const po::variables_map& vm, api_config& cfg, std::string& msg) {
    if (vm.count("base-url")) {
        cfg.base_url = vm["base-url"].as<std::string>();
    } else if (cfg.api_flavor == flavor::ops_manager) {
        msg = "--base-url is required for ops-manager";
        return false;
    } else {
        cfg.base_url = "https://cloud.mongodb.com";
    }
    while (!cfg.base_url.empty() && cfg.base_url.back() == '/') cfg.base_url.pop_back();
    auto url = boost::urls::parse_absolute_uri(cfg.base_url);
    if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
        msg = "--base-url: expected http(s)://host[:port], got '" + cfg.base_url + "'";
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
    if (!load_credentials(vm, cfg.creds, msg)) return false;
    if (url->scheme() == "http" && !is_loopback_host(std::string(url->host())) &&
        !vm.count("allow-http")) {
        msg = "refusing to send credentials over plain http:// to " + std::string(url->host()) +
              " (use https://, or --allow-http)";
        return false;
    }
    if (cfg.insecure)
        std::cerr << "cmbulk: warning: --insecure: the server's certificate is not verified\n";
    return true;
}

bool parse_command_line(int argc, char** argv, const po::options_description& visible,
                        const char* positional, po::variables_map& vm, const char* command) {
    po::options_description all;
    all.add(visible);
    po::positional_options_description pos;
    if (positional) {
        po::options_description hidden;
        hidden.add_options()(positional, po::value<std::string>());
        all.add(hidden);
        pos.add(positional, 1);
    }
    if (!all.find_nothrow("config", false)) {
        po::options_description cfg_opt;
        cfg_opt.add_options()("config", po::value<std::string>());
        all.add(cfg_opt);
    }
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "cmbulk " << command << ": " << e.what() << "\n";
        return false;
    }
    std::string msg;
    if (!apply_config(all, vm, msg)) {
        std::cerr << "cmbulk " << command << ": " << msg << "\n";
        return false;
    }
    return true;
}

bool apply_config(const po::options_description& desc, po::variables_map& vm, std::string& msg) {
    auto get = [](const char* n) { return static_cast<const char*>(std::getenv(n)); };
    std::vector<config_entry> file_entries;
    std::filesystem::path path;
    bool explicit_path = vm.count("config") > 0;
    if (explicit_path)
        path = vm["config"].as<std::string>();
    else if (!getenv_str("CMBULK_CONFIG").empty())
        path = getenv_str("CMBULK_CONFIG"), explicit_path = true;
    else
        path = default_config_path(get);
    if (!path.empty()) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            if (explicit_path) {
                msg = "--config " + path.string() + ": cannot read it";
                return false;
            }
        } else {
            std::stringstream ss;
            ss << in.rdbuf();
            auto parsed = parse_config(ss.str(), path.string(), msg);
            if (!parsed) return false;
            file_entries = std::move(*parsed);
        }
    }
    auto pair_set = [&](const char* a, const char* b) {
        return !getenv_str(a).empty() && !getenv_str(b).empty();
    };
    bool env_creds = pair_set("CMBULK_PUBLIC_KEY", "CMBULK_PRIVATE_KEY") ||
                     pair_set("MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY") ||
                     pair_set("CMBULK_CLIENT_ID", "CMBULK_CLIENT_SECRET") ||
                     pair_set("MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET");
    auto merged = merge_config(config_from_environment(get), file_entries, env_creds);
    // Stored after the command line: program_options keeps values already stored from flags
    // (only defaults are replaced), which gives flag > environment > config.
    std::vector<std::string> args;
    for (auto& e : merged) {
        if (!desc.find_nothrow(e.key, false)) continue;  // not an option of this subcommand
        args.push_back("--" + e.key + "=" + e.value);
    }
    if (args.empty()) return true;
    try {
        po::store(po::command_line_parser(args).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::string where;
        for (auto& m : merged) where += (where.empty() ? "" : ", ") + m.source;
        msg = std::string(e.what()) + " (from the environment or config file: " + where + ")";
        return false;
    }
    return true;
}

}  // namespace cmbulk::cli
