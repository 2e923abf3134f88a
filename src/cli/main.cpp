// cmbulk's entry point: parses the command line, the environment and the key file into options,
// and hands over to the library (runner.hpp). Nothing else lives here.
#include "cmbulk/catalogue.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/runner.hpp"
#include "cmbulk/version.hpp"

#include <boost/program_options.hpp>
#include <boost/url/parse.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace cmbulk;

namespace {

constexpr const char* exit_codes_help =
    "Exit codes:\n"
    "  0    every row succeeded\n"
    "  1    some rows failed, were invalid (--skip-invalid) or did not run\n"
    "  2    usage error or invalid manifest: nothing was sent\n"
    "  3    fatal: authentication failed or server unreachable; the run stopped\n"
    "  130  interrupted (SIGINT/SIGTERM); finish with --resume\n";

constexpr const char* credentials_help =
    "Credentials (never on the command line):\n"
    "  API key:  CMBULK_PUBLIC_KEY + CMBULK_PRIVATE_KEY, else MONGODB_ATLAS_PUBLIC_API_KEY +\n"
    "            MONGODB_ATLAS_PRIVATE_API_KEY, else --public-key + --private-key-file FILE\n"
    "            (the file must not be readable by group or others).\n"
    "  Service account (OAuth 2.0): CMBULK_CLIENT_ID + CMBULK_CLIENT_SECRET, else\n"
    "            MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET.\n";

void print_main_help(std::ostream& o) {
    o << "cmbulk " << version()
      << ": bulk changes to MongoDB Cloud Manager / Ops Manager / Atlas integrations\n\n"
         "Usage: cmbulk <command> [options]\n\n"
         "Commands:\n"
         "  validate MANIFEST   check a manifest offline (nothing is sent)\n"
         "  apply MANIFEST      create, update, upsert or delete integrations row by row\n\n"
         "Run `cmbulk <command> --help` for a command's options.\n\n"
      << exit_codes_help;
}

std::string getenv_str(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

/// Options shared by validate and apply: how the manifest is read.
po::options_description manifest_options_desc() {
    po::options_description d("Manifest");
    d.add_options()
        ("format", po::value<std::string>(), "csv, json or jsonl (default: from the extension)")
        ("type", po::value<std::string>(), "integration type for every row (e.g. SLACK)")
        ("set", po::value<std::vector<std::string>>()->composing(),
         "FIELD=VALUE for every row (repeatable); use ${env:NAME} or ${file:PATH} for secrets")
        ("action", po::value<std::string>()->default_value("create"),
         "create (POST), update (PUT), upsert (read, then POST or PUT) or delete (DELETE)")
        ("flavor", po::value<std::string>()->default_value("cloud-manager"),
         "cloud-manager, ops-manager or atlas");
    return d;
}

/// Fills manifest_options from parsed options; returns false (with a message) on bad values.
bool fill_manifest_options(const po::variables_map& vm, manifest_options& mo, std::string& msg) {
    if (vm.count("format")) {
        auto f = vm["format"].as<std::string>();
        if (f == "csv") mo.format = manifest_format::csv;
        else if (f == "json") mo.format = manifest_format::json;
        else if (f == "jsonl" || f == "ndjson") mo.format = manifest_format::jsonl;
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
    return true;
}

bool is_loopback_host(std::string_view host) {
    return host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "::1";
}

/// Reads the private key file, refusing one that group or others can read (like ssh).
bool read_key_file(const std::string& path, bool allow_insecure, std::string& key, std::string& msg) {
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

int cmd_validate(int argc, char** argv) {
    po::options_description d = manifest_options_desc();
    d.add_options()("help,h", "show this help");
    po::options_description hidden;
    hidden.add_options()("manifest", po::value<std::string>());
    po::options_description all;
    all.add(d).add(hidden);
    po::positional_options_description pos;
    pos.add("manifest", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "cmbulk validate: " << e.what() << "\n";
        return exit_usage;
    }
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout << "Usage: cmbulk validate MANIFEST [options]\n\n"
                     "Checks every row offline (ids, types, required and unknown fields, enums,\n"
                     "booleans, duplicates, secret references) and prints file:line: field: message\n"
                     "for each problem. Nothing is sent.\n\n"
                     "Example:\n  cmbulk validate samples/slack-migration.csv --action update\n\n"
                  << d << "\n"
                  << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    manifest_options mo;
    std::string msg;
    if (!fill_manifest_options(vm, mo, msg)) {
        std::cerr << "cmbulk validate: " << msg << "\n";
        return exit_usage;
    }
    return run_validate(vm["manifest"].as<std::string>(), mo, std::cout, std::cerr);
}

int cmd_apply(int argc, char** argv) {
    po::options_description server("Server");
    server.add_options()
        ("base-url", po::value<std::string>(),
         "scheme://host[:port] (default https://cloud.mongodb.com; required for ops-manager)")
        ("public-key", po::value<std::string>(), "API public key (the private key comes from a file or the environment)")
        ("private-key-file", po::value<std::string>(), "file holding the API private key (mode 600)")
        ("allow-insecure-key-file", "accept a key file readable by other users")
        ("cacert", po::value<std::string>(), "PEM file of CA certificates to trust")
        ("insecure", "do not verify the server's certificate (warns)")
        ("allow-http", "allow credentials over plain http:// to a non-loopback host")
        ("connect-timeout", po::value<double>()->default_value(10), "seconds (0: off)")
        ("request-timeout", po::value<double>()->default_value(30), "seconds per request (0: off)")
        ("body-limit", po::value<std::size_t>()->default_value(16 * 1024 * 1024), "max response body bytes");
    po::options_description run("Run");
    run.add_options()
        ("concurrency,c", po::value<int>()->default_value(8), "parallel connections (workers)")
        ("rate", po::value<double>()->default_value(0), "requests per second, all requests (0: find the server's pace)")
        ("burst", po::value<double>()->default_value(0), "token bucket capacity (0: rate/10)")
        ("max-attempts", po::value<int>()->default_value(5), "attempts per request (first included)")
        ("max-failures", po::value<std::uint64_t>()->default_value(0), "stop starting rows after N failed rows (0: off)")
        ("skip-invalid", "report invalid rows as `invalid` and run the valid ones")
        ("dry-run", "validate and print what would be sent (secrets masked); send nothing")
        ("report", po::value<std::string>(), "report file: .csv, .json or .jsonl (default ./<manifest>.report.csv)")
        ("checkpoint", po::value<std::string>(), "checkpoint journal (default: next to the report, .checkpoint.jsonl)")
        ("resume", "continue the run recorded in the checkpoint")
        ("resume-failed", po::value<bool>()->default_value(true), "on --resume, run failed rows again")
        ("force", "on --resume with a changed manifest: match rows by (projectId, type)")
        ("grace", po::value<double>()->default_value(10), "seconds requests in flight get after a first SIGINT/SIGTERM")
        ("quiet,q", "no progress and no summary (errors only)")
        ("progress", po::value<std::string>()->default_value("auto"), "auto, live or plain")
        ("jitter-seed", po::value<std::uint64_t>()->default_value(0), "seed of the backoff jitter (0: random)")
        ("help,h", "show this help");
    po::options_description hidden;
    hidden.add_options()("manifest", po::value<std::string>());
    po::options_description visible;
    visible.add(manifest_options_desc()).add(server).add(run);
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description pos;
    pos.add("manifest", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "cmbulk apply: " << e.what() << "\n";
        return exit_usage;
    }
    if (vm.count("help") || !vm.count("manifest")) {
        std::cout << "Usage: cmbulk apply MANIFEST [options]\n\n"
                     "Validates the whole manifest, then sends one change per row with bounded\n"
                     "concurrency under one rate limit, retrying 429, 5xx, resets and timeouts;\n"
                     "a create or delete whose outcome is unknown is read back, never resent\n"
                     "blindly. Writes a per-row report and a checkpoint for --resume.\n\n"
                     "Examples:\n"
                     "  export CMBULK_PUBLIC_KEY=... CMBULK_PRIVATE_KEY=...\n"
                     "  cmbulk apply projects.csv --type SLACK --action update \\\n"
                     "      --set 'apiToken=${env:NEW_SLACK_TOKEN}' --report run.csv\n"
                     "  cmbulk apply projects.csv --action update --resume   # after an interruption\n\n"
                  << visible << "\n"
                  << credentials_help << "\n"
                  << exit_codes_help;
        return vm.count("help") ? exit_success : exit_usage;
    }
    apply_options o;
    std::string msg;
    o.manifest = vm["manifest"].as<std::string>();
    if (!fill_manifest_options(vm, o.manifest_opts, msg)) {
        std::cerr << "cmbulk apply: " << msg << "\n";
        return exit_usage;
    }
    o.api.api_flavor = o.manifest_opts.target_flavor;
    if (vm.count("base-url")) {
        o.api.base_url = vm["base-url"].as<std::string>();
    } else if (o.api.api_flavor == flavor::ops_manager) {
        std::cerr << "cmbulk apply: --base-url is required for ops-manager\n";
        return exit_usage;
    } else {
        o.api.base_url = "https://cloud.mongodb.com";
    }
    while (!o.api.base_url.empty() && o.api.base_url.back() == '/') o.api.base_url.pop_back();
    auto url = boost::urls::parse_absolute_uri(o.api.base_url);
    if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
        std::cerr << "cmbulk apply: --base-url: expected http(s)://host[:port], got '"
                  << o.api.base_url << "'\n";
        return exit_usage;
    }
    bool insecure = vm.count("insecure") > 0;
    o.api.insecure = insecure;
    if (vm.count("cacert")) o.api.cacert = vm["cacert"].as<std::string>();
    o.api.connect_timeout = std::chrono::milliseconds(
        static_cast<long>(vm["connect-timeout"].as<double>() * 1000));
    o.api.request_timeout = std::chrono::milliseconds(
        static_cast<long>(vm["request-timeout"].as<double>() * 1000));
    o.api.body_limit = vm["body-limit"].as<std::size_t>();
    o.concurrency = vm["concurrency"].as<int>();
    if (o.concurrency < 1 || o.concurrency > 256) {
        std::cerr << "cmbulk apply: --concurrency: expected 1 to 256\n";
        return exit_usage;
    }
    o.pacing.rate = vm["rate"].as<double>();
    o.pacing.burst = vm["burst"].as<double>();
    if (o.pacing.rate < 0 || o.pacing.burst < 0) {
        std::cerr << "cmbulk apply: --rate and --burst must not be negative\n";
        return exit_usage;
    }
    o.max_attempts = vm["max-attempts"].as<int>();
    if (o.max_attempts < 1) {
        std::cerr << "cmbulk apply: --max-attempts: at least 1\n";
        return exit_usage;
    }
    o.max_failures = vm["max-failures"].as<std::uint64_t>();
    o.skip_invalid = vm.count("skip-invalid") > 0;
    o.dry_run = vm.count("dry-run") > 0;
    if (vm.count("report")) o.report_path = vm["report"].as<std::string>();
    if (vm.count("checkpoint")) o.checkpoint_path = vm["checkpoint"].as<std::string>();
    o.resume = vm.count("resume") > 0;
    o.resume_failed = vm["resume-failed"].as<bool>();
    o.force = vm.count("force") > 0;
    o.grace = std::chrono::milliseconds(static_cast<long>(vm["grace"].as<double>() * 1000));
    o.fault_seed = vm["jitter-seed"].as<std::uint64_t>();
    auto prog = vm["progress"].as<std::string>();
    if (vm.count("quiet")) o.progress = progress_mode::quiet;
    else if (prog == "live") o.progress = progress_mode::live;
    else if (prog == "plain") o.progress = progress_mode::plain;
    else if (prog == "auto") o.progress = progress_mode::automatic;
    else {
        std::cerr << "cmbulk apply: --progress: expected auto, live or plain\n";
        return exit_usage;
    }

    if (!o.dry_run) {
        if (!load_credentials(vm, o.api.creds, msg)) {
            std::cerr << "cmbulk apply: " << msg << "\n";
            return exit_usage;
        }
        if (url->scheme() == "http" && !is_loopback_host(url->host()) && !vm.count("allow-http")) {
            std::cerr << "cmbulk apply: refusing to send credentials over plain http:// to "
                      << url->host() << " (use https://, or --allow-http)\n";
            return exit_usage;
        }
        if (insecure)
            std::cerr << "cmbulk: warning: --insecure: the server's certificate is not verified\n";
    }
    return run_apply(o, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_main_help(std::cerr);
        return exit_usage;
    }
    std::string cmd = argv[1];
    try {
        if (cmd == "--version" || cmd == "version") {
            std::cout << "cmbulk " << version() << "\n";
            return exit_success;
        }
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            print_main_help(std::cout);
            return exit_success;
        }
        if (cmd == "validate") return cmd_validate(argc - 1, argv + 1);
        if (cmd == "apply") return cmd_apply(argc - 1, argv + 1);
    } catch (const std::exception& e) {
        std::cerr << "cmbulk: internal error: " << e.what() << "\n";
        return exit_fatal;
    }
    std::cerr << "cmbulk: unknown command '" << cmd << "' (see cmbulk --help)\n";
    return exit_usage;
}
