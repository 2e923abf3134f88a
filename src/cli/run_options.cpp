// The run option group of apply, plan and audit; see run_options.hpp.
#include "run_options.hpp"

namespace cmbulk::cli {

po::options_description run_options_desc() {
    po::options_description run("Run");
    // clang-format off
    run.add_options()
        ("concurrency,c", po::value<int>()->default_value(8), "parallel connections (workers), 1..256")
        ("rate", po::value<double>()->default_value(0), "requests per second, all requests (0: find the server's pace)")
        ("burst", po::value<double>()->default_value(0), "token bucket capacity (0: rate/10)")
        ("max-attempts", po::value<int>()->default_value(5), "attempts per request (first included)")
        ("max-failures", po::value<std::uint64_t>()->default_value(0), "stop starting items after N failed ones (0: off)")
        ("max-no-access", po::value<std::uint64_t>()->default_value(default_max_no_access), "stop the run (exit 3) after N rows in a row refused with 401 on as many projects once the key had authenticated: it has likely been revoked (0: off)")
        ("grace", po::value<double>()->default_value(10), "seconds requests in flight get after a first SIGINT/SIGTERM (a second one stops at once)")
        ("quiet,q", "no progress and no summary (errors only)")
        ("progress", po::value<std::string>()->default_value("auto"), "auto, live or plain: live rewrites one line no wider than the terminal (COLUMNS overrides its width): %, done/total, elapsed, ETA, req/s, failed, 429s, retries, or the Retry-After pause; plain prints a line every 5 s")
        ("jitter-seed", po::value<std::uint64_t>()->default_value(0), "seed of the backoff jitter (0: random)");
    // clang-format on
    return run;
}

po::options_description manifest_command_desc(const po::options_description& own) {
    po::options_description all;
    all.add(manifest_options_desc()).add(server_options_desc()).add(run_options_desc()).add(own);
    return all;
}

bool fill_run_params(const po::variables_map& vm, run_params& p, std::string& msg) {
    p.concurrency = vm["concurrency"].as<int>();
    p.pacing.rate = vm["rate"].as<double>();
    p.pacing.burst = vm["burst"].as<double>();
    p.max_attempts = vm["max-attempts"].as<int>();
    p.max_failures = vm["max-failures"].as<std::uint64_t>();
    p.max_no_access = vm["max-no-access"].as<std::uint64_t>();
    double grace = vm["grace"].as<double>();
    if (!(grace >= 0 && grace <= 86400)) {
        msg = "--grace: expected 0 to 86400 seconds";
        return false;
    }
    p.grace = std::chrono::milliseconds(static_cast<long>(grace * 1000));
    p.seed = vm["jitter-seed"].as<std::uint64_t>();
    auto prog = vm["progress"].as<std::string>();
    if (vm.count("quiet"))
        p.progress = progress_mode::quiet;
    else if (prog == "live")
        p.progress = progress_mode::live;
    else if (prog == "plain")
        p.progress = progress_mode::plain;
    else if (prog == "auto")
        p.progress = progress_mode::automatic;
    else {
        msg = "--progress: expected auto, live or plain";
        return false;
    }
    return true;
}

std::vector<std::string> command_args(int argc, char** argv) {
    std::vector<std::string> out{"cmbulk"};
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        bool set_value = i > 0 && std::string(argv[i - 1]) == "--set";
        if (set_value || a.starts_with("--set=")) {
            auto eq = a.find('=', set_value ? 0 : 6);
            if (eq != std::string::npos && a.compare(eq + 1, 2, "${") != 0)
                a = a.substr(0, eq + 1) + "****";
        }
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace cmbulk::cli
