// cmbulk-sim's entry point: parses the command line into sim_options, loads or generates the
// world, runs the simulator until SIGINT/SIGTERM, and writes --state-out on the way out.
// Exit codes: 0 clean stop, 2 bad usage or seed, 1 runtime failure (e.g. cannot bind).
#include <algorithm>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmbulk/json_util.hpp"
#include "cmbulk/sim/simulator.hpp"

namespace po = boost::program_options;
using namespace cmbulk::sim;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_all(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

// "HOST:PORT" (the last colon splits; "[::1]:0" allowed).
std::pair<std::string, unsigned short> parse_listen(const std::string& s) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT");
    std::string host = s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = std::stoi(s.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::runtime_error("--listen: bad port");
    return {host, static_cast<unsigned short>(port)};
}

po::options_description describe_options() {
    po::options_description desc(
        "cmbulk-sim: a local simulator of the MongoDB Cloud Manager / Ops Manager / Atlas\n"
        "integrations API (see docs/simulator.md)\n\nOptions");
    // clang-format off
    desc.add_options()
        ("help,h", "show this help and exit")
        ("version", "print the version and exit")
        ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
            "HOST:PORT to listen on; port 0 picks a free port")
        ("port-file", po::value<std::string>(), "write the port followed by a newline here once listening")
        ("service", po::value<std::string>()->default_value("cloud"),
            "what to impersonate: cloud (cloud.mongodb.com: Cloud Manager orgs on /api/public/v1.0, "
            "Atlas orgs on /api/atlas/v1.0 and /api/atlas/v2) or ops-manager (/api/public/v1.0 only)")
        ("seed", po::value<std::string>(), "initial state: JSON file {orgs, apiKeys, serviceAccounts}")
        ("generate", po::value<std::string>(),
            "ORGS:PROJECTS: generate a deterministic world instead of --seed (key 'simpublic'; "
            "default 1:3 when neither is given)")
        ("with", po::value<std::string>(),
            "TYPE,TYPE,...: with --generate, every project gets an integration of each type")
        ("with-alerts", po::value<int>(),
            "N: with --generate, every project gets N alert configurations whose third-party "
            "notifications copy the project's integration secrets (--with), beside EMAIL and GROUP "
            "notifications (layout: docs/simulator.md)")
        ("org-kind", po::value<std::string>()->default_value("cloud-manager"),
            "with --generate on --service cloud: the generated orgs are cloud-manager or atlas orgs")
        ("key-file", po::value<std::string>(),
            "with --generate (or no seed): write the generated key here instead of stdout")
        ("state-out", po::value<std::string>(), "write the state (seed shape, with counters) here on exit")
        ("tls-cert", po::value<std::string>(), "PEM certificate chain: serve HTTPS (with --tls-key)")
        ("tls-key", po::value<std::string>(), "PEM private key for --tls-cert")
        ("threads", po::value<int>()->default_value(1), "io_context threads")
        ("verbose,v", "one log line per request on stderr (never a secret)")
        ("idle-timeout", po::value<int>()->default_value(30), "seconds a keep-alive connection may idle")
        ("body-limit", po::value<std::size_t>()->default_value(1024 * 1024),
            "largest request body in bytes (larger: 413)")
        ("header-limit", po::value<std::size_t>()->default_value(16 * 1024),
            "largest request header in bytes (larger: 431)")
        ("stall-cap", po::value<int>()->default_value(120), "seconds a 'stall' fault holds a connection at most")
        ("digest-algorithms", po::value<std::string>()->default_value("MD5"),
            "Digest algorithms offered, comma-separated, in challenge order: MD5, SHA-256")
        ("nonce-lifetime", po::value<int>()->default_value(300),
            "seconds a Digest nonce stays valid (then 401 stale=true)")
        ("nonce-reuse", po::value<std::string>()->default_value("accept"),
            "accept: a nonce serves many requests (rising nonce counts); refuse: one request per "
            "nonce, a reuse gets 401 with a fresh challenge (stale=false)")
        ("access-list", po::value<std::string>(),
            "CIDR,...: the API access list; requests from other addresses get 403 "
            "IP_ADDRESS_NOT_ON_ACCESS_LIST")
        ("token-lifetime", po::value<int>()->default_value(3600), "seconds an OAuth bearer token lives")
        ("token-rate", po::value<double>()->default_value(10),
            "requests per minute per IP and client on POST /api/oauth/token (0: unlimited)")
        ("rate-limit", po::value<double>()->default_value(0),
            "per-key (user-scoped) bucket over every API request, refill in requests per second "
            "(0: off)")
        ("rate-burst", po::value<double>()->default_value(0),
            "per-key token bucket capacity (0: same as --rate-limit)")
        ("limit", po::value<std::vector<std::string>>()->composing(),
            "NAME=SCOPE:CAPACITY:REFILL/PERIOD_SECONDS, repeatable: a bucket per endpoint set "
            "(integrations, projects, all) and scope (project, org, user, ip), e.g. "
            "integrations=project:2:1/10; replaces that set's default or the seed's (defaults: "
            "integrations=project:1200:1200/60; listings have none unless given; a seed's "
            "cmbulkLimits.sets replace the defaults)")
        ("no-limits", "no default or seed buckets per endpoint set (only those of --limit)")
        ("no-ratelimit-headers", "do not send RateLimit-Limit / RateLimit-Remaining")
        ("max-items-per-page", po::value<int>()->default_value(500),
            "largest itemsPerPage accepted (larger: 400 VALIDATION_ERROR)")
        ("fault", po::value<std::vector<std::string>>()->composing(),
            "KIND=PROBABILITY, repeatable; KIND one of 500, 503-html, 429, reset-before, reset-after, "
            "stall, truncate")
        ("fault-seed", po::value<std::uint64_t>()->default_value(1),
            "seed of the fault PRNG (same seed + same request sequence = same faults)")
        ("latency", po::value<std::string>(), "MS[:JITTER_MS] added to every authenticated API request");
    // clang-format on
    return desc;
}

void read_auth_options(const po::variables_map& vm, core_options& c) {
    c.digest_algorithms.clear();
    std::stringstream algos(vm["digest-algorithms"].as<std::string>());
    for (std::string a; std::getline(algos, a, ',');) {
        auto algo = cmbulk::digest::parse_algorithm(a);
        if (!algo || a.empty())
            throw std::runtime_error("--digest-algorithms: unknown algorithm " + a);
        c.digest_algorithms.push_back(*algo);
    }
    if (c.digest_algorithms.empty()) throw std::runtime_error("--digest-algorithms is empty");
    c.nonce_lifetime = std::chrono::seconds(std::max(1, vm["nonce-lifetime"].as<int>()));
    auto reuse = parse_nonce_reuse(vm["nonce-reuse"].as<std::string>());
    if (!reuse) throw std::runtime_error("--nonce-reuse: accept or refuse");
    c.reuse = *reuse;
    if (vm.count("access-list")) {
        try {
            c.allowed = access_list::parse(vm["access-list"].as<std::string>());
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error(std::string("--access-list: ") + e.what());
        }
        if (c.allowed.empty()) throw std::runtime_error("--access-list is empty");
    }
    c.token_lifetime = std::chrono::seconds(std::max(1, vm["token-lifetime"].as<int>()));
    c.token_endpoint_per_minute = vm["token-rate"].as<double>();
}

void read_fault_options(const po::variables_map& vm, core_options& c) {
    c.fault_seed = vm["fault-seed"].as<std::uint64_t>();
    if (vm.count("fault")) {
        double total = 0;
        for (auto& f : vm["fault"].as<std::vector<std::string>>()) {
            auto eq = f.find('=');
            auto kind = parse_fault_kind(f.substr(0, eq));
            if (eq == std::string::npos || !kind)
                throw std::runtime_error("--fault wants KIND=PROBABILITY: " + f);
            double p = std::stod(f.substr(eq + 1));
            if (p < 0 || p > 1)
                throw std::runtime_error("--fault probability must be within 0..1: " + f);
            c.faults[*kind] = p;
            total += p;
        }
        if (total > 1.0 + 1e-9)
            throw std::runtime_error("--fault probabilities add up to more than 1");
    }
    if (vm.count("latency")) {
        auto l = vm["latency"].as<std::string>();
        auto colon = l.find(':');
        c.latency = std::chrono::milliseconds(std::stoll(l.substr(0, colon)));
        if (colon != std::string::npos)
            c.latency_jitter = std::chrono::milliseconds(std::stoll(l.substr(colon + 1)));
    }
}

/// The seed's limits (cmbulkLimits.sets) in place of the defaults, then --no-limits and
/// --limit: a set named by --limit loses the defaults' or the seed's.
void read_limit_options(const po::variables_map& vm, const world& w, core_options& c) {
    if (w.limits) c.limits = *w.limits;
    if (vm.count("no-limits")) c.limits.clear();
    if (!vm.count("limit")) return;
    std::vector<limit_set> given;
    for (auto& spec : vm["limit"].as<std::vector<std::string>>()) {
        std::string error;
        auto s = limit_set::parse(spec, error);
        if (!s) throw std::runtime_error("--limit " + spec + ": " + error);
        given.push_back(std::move(*s));
    }
    std::erase_if(c.limits, [&](const limit_set& d) {
        return std::any_of(given.begin(), given.end(),
                           [&](const limit_set& g) { return g.name == d.name; });
    });
    c.limits.insert(c.limits.end(), given.begin(), given.end());
}

void read_server_options(const po::variables_map& vm, sim_options& opts) {
    auto [host, port] = parse_listen(vm["listen"].as<std::string>());
    opts.listen_host = host;
    opts.listen_port = port;
    if (vm.count("port-file")) opts.port_file = vm["port-file"].as<std::string>();
    if (vm.count("tls-cert")) opts.tls_cert = vm["tls-cert"].as<std::string>();
    if (vm.count("tls-key")) opts.tls_key = vm["tls-key"].as<std::string>();
    opts.threads = std::max(1, vm["threads"].as<int>());
    opts.verbose = vm.count("verbose") > 0;
    opts.idle_timeout = std::chrono::seconds(std::max(1, vm["idle-timeout"].as<int>()));
    opts.body_limit = vm["body-limit"].as<std::size_t>();
    opts.header_limit = vm["header-limit"].as<std::size_t>();
    opts.stall_cap = std::chrono::seconds(std::max(1, vm["stall-cap"].as<int>()));
    auto& c = opts.core;
    c.rate_limit = vm["rate-limit"].as<double>();
    c.rate_burst = vm["rate-burst"].as<double>();
    c.ratelimit_headers = vm.count("no-ratelimit-headers") == 0;
    c.max_items_per_page = std::max(1, vm["max-items-per-page"].as<int>());
}

/// The world from --seed or --generate; for a generated one, the credentials note to print.
world read_world(const po::variables_map& vm, std::string& key_note) {
    auto service = parse_service_kind(vm["service"].as<std::string>());
    if (!service) throw std::runtime_error("--service: cloud or ops-manager");
    if (vm.count("with") && !vm.count("generate"))
        throw std::runtime_error("--with goes with --generate");
    if (vm.count("with-alerts") && !vm.count("generate"))
        throw std::runtime_error("--with-alerts goes with --generate");
    if (vm.count("seed") && vm.count("generate"))
        throw std::runtime_error("--seed and --generate exclude each other");
    if (vm.count("seed")) {
        if (!vm["org-kind"].defaulted())
            throw std::runtime_error("--org-kind goes with --generate");
        boost::system::error_code ec;
        auto v = boost::json::parse(read_all(vm["seed"].as<std::string>()), ec);
        if (ec)
            throw std::runtime_error("seed: " + vm["seed"].as<std::string>() +
                                     " is not JSON: " + ec.message());
        return world::from_json(v, *service);
    }
    generate_params g;
    g.service = *service;
    if (vm.count("generate")) {
        auto text = vm["generate"].as<std::string>();
        auto colon = text.find(':');
        if (colon == std::string::npos) throw std::runtime_error("--generate wants ORGS:PROJECTS");
        g.orgs = std::stoi(text.substr(0, colon));
        g.projects = std::stoi(text.substr(colon + 1));
        if (g.orgs < 0 || g.projects < 0) throw std::runtime_error("--generate: negative count");
    }
    if (vm.count("with-alerts")) {
        g.alerts_per_project = vm["with-alerts"].as<int>();
        if (g.alerts_per_project < 0 || g.alerts_per_project > 100)
            throw std::runtime_error("--with-alerts: 0 to 100 configurations per project");
    }
    if (vm.count("with")) {
        std::stringstream types(vm["with"].as<std::string>());
        for (std::string t; std::getline(types, t, ',');)
            if (!t.empty()) g.with_types.push_back(t);
    }
    auto kind = cmbulk::parse_flavor(vm["org-kind"].as<std::string>());
    if (!kind || (*kind != cmbulk::flavor::cloud_manager && *kind != cmbulk::flavor::atlas))
        throw std::runtime_error("--org-kind: cloud-manager or atlas");
    if (*service == service_kind::ops_manager && !vm["org-kind"].defaulted())
        throw std::runtime_error("--org-kind goes with --service cloud");
    g.org_kind = *kind;
    // A documented test key, not a secret of anyone's (docs/simulator.md).
    key_note = std::string("{\"publicKey\":\"") + std::string(generated_public_key) +
               "\",\"privateKey\":\"" + std::string(generated_private_key) + "\"";
    if (*service == service_kind::cloud)
        key_note += ",\"clientId\":\"" + std::string(generated_client_id) +
                    "\",\"clientSecret\":\"" + std::string(generated_client_secret) + "\"";
    key_note += "}\n";
    return world::generate(g);
}

int run(sim_options opts, const std::string& key_note, const std::string& key_file,
        const std::string& state_out) {
    std::string scheme = opts.tls_cert.empty() ? "http" : "https", host = opts.listen_host;
    try {
        simulator sim(std::move(opts));
        if (!key_note.empty()) {
            if (!key_file.empty())
                write_all(key_file, key_note);
            else
                std::cout << "cmbulk-sim: generated test credentials: " << key_note << std::flush;
        }
        auto port = sim.start();
        std::cerr << banner() << " listening on " << scheme << "://" << host << ":" << port << "\n";
        sim.stop_on_signals();
        sim.run();
        if (!state_out.empty())
            write_all(state_out, cmbulk::json_util::serialize_pretty(sim.state_json()) + "\n");
    } catch (const std::exception& e) {
        std::cerr << "cmbulk-sim: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto desc = describe_options();
    po::variables_map vm;
    sim_options opts;
    std::string key_note, key_file;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        if (vm.count("version")) {
            std::cout << banner() << "\n";
            return 0;
        }
        read_server_options(vm, opts);
        read_auth_options(vm, opts.core);
        read_fault_options(vm, opts.core);
        if (vm.count("key-file")) key_file = vm["key-file"].as<std::string>();
        opts.initial = read_world(vm, key_note);
        read_limit_options(vm, opts.initial, opts.core);
    } catch (const std::exception& e) {
        std::cerr << "cmbulk-sim: " << e.what() << "\n(try --help)\n";
        return 2;
    }
    // A seed's key spanning orgs is a rehearsal convenience the live cloud service lacks.
    if (opts.initial.service == service_kind::cloud && key_note.empty())
        for (auto& id : opts.initial.spanning_principals())
            std::cerr << "cmbulk-sim: note: " << id
                      << " spans several organizations; on the live Cloud Manager and Atlas a key "
                         "or service account belongs to one (Ops Manager global keys span)\n";
    if (opts.initial.limits) {
        // The seed's limits in force (after --limit and --no-limits), so a rehearsal says them.
        std::cerr << "cmbulk-sim: limits (the seed's cmbulkLimits.sets, then --limit):";
        for (auto& l : opts.core.limits) std::cerr << " " << l.spec();
        std::cerr << (opts.core.limits.empty() ? " none" : "") << "\n";
    }
    std::string state_out = vm.count("state-out") ? vm["state-out"].as<std::string>() : "";
    return run(std::move(opts), key_note, key_file, state_out);
}
