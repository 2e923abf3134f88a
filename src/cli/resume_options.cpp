// The options of a resumed apply filled from its checkpoint, and the arguments the printed resume
// command repeats; see resume_options.hpp.
#include "resume_options.hpp"

#include <fstream>
#include <set>

#include "cmbulk/journal.hpp"

namespace cmbulk::cli {

namespace {

/// The options the apply checkpoint records (apply_header.hpp), plus those the printed command
/// writes itself (--resume, --checkpoint).
const std::set<std::string, std::less<>> recorded{"action",
                                                  "type",
                                                  "flavor",
                                                  "base-url",
                                                  "set",
                                                  "verify",
                                                  "skip-unchanged",
                                                  "skip-invalid",
                                                  "report",
                                                  "html-report",
                                                  "checkpoint",
                                                  "resume",
                                                  "integrations-only",
                                                  "link-alerts",
                                                  "from-last4"};

bool starts_as_journal(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char buf[17] = {};
    in.read(buf, 16);
    return std::string_view(buf, static_cast<std::size_t>(in.gcount())) == "{\"cmbulkJournal\"";
}

bool given(const po::variables_map& vm, const std::string& k) {
    return vm.count(k) && !vm[k].defaulted();
}

void put(po::variables_map& vm, const std::string& k, boost::any v) {
    vm.erase(k);
    vm.emplace(k, po::variable_value(std::move(v), false));
}

/// The checkpoint --resume continues: the positional one, --checkpoint, or next to the report.
std::string checkpoint_of(const po::variables_map& vm, bool positional_is_checkpoint) {
    if (positional_is_checkpoint) return vm["manifest"].as<std::string>();
    if (vm.count("checkpoint")) return vm["checkpoint"].as<std::string>();
    std::filesystem::path report =
        vm.count("report")
            ? vm["report"].as<std::string>()
            : std::filesystem::path(vm["manifest"].as<std::string>()).stem().string() +
                  ".report.csv";
    if (report.extension() == ".html" || report.extension() == ".htm")
        report.replace_extension(".csv");
    return report.replace_extension(".checkpoint.jsonl").string();
}

bool fill_set(po::variables_map& vm, const std::map<std::string, std::string>& opts,
              std::string& msg) {
    auto names = opts.find("set");
    if (given(vm, "set") || names == opts.end()) return true;
    std::vector<std::string> sets;
    std::string_view rest = names->second;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string name(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
        auto v = opts.find("set." + name);
        if (v == opts.end()) {
            msg = "--resume: the checkpoint holds no value for --set " + name +
                  " (a literal secret is never recorded): give --set " + name + "=... again";
            return false;
        }
        sets.push_back(name + "=" + v->second);
    }
    put(vm, "set", sets);
    return true;
}

/// The checkpoint at `path` replayed into `out` when it exists (left empty when it does not);
/// false (with a message) when it cannot be read or is not a checkpoint of `command`.
bool recorded_run(const std::string& path, std::string_view command,
                  std::optional<journal_replay>& out, std::string& msg) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return true;
    diagnostics diag;
    auto replay = replay_journal(path, diag);
    if (!replay) {
        msg = "--resume: " + to_string(diag);
        return false;
    }
    if (replay->header.command != command) {
        msg = "--resume " + path + ": a checkpoint of `cmbulk " + replay->header.command +
              "`, not of " + std::string(command);
        return false;
    }
    out = std::move(*replay);
    return true;
}

}  // namespace

bool fill_from_checkpoint(po::variables_map& vm, std::string& msg) {
    if (!vm.count("resume") || !vm.count("manifest")) return true;
    bool positional = starts_as_journal(vm["manifest"].as<std::string>());
    auto path = checkpoint_of(vm, positional);
    std::optional<journal_replay> replay;
    if (!recorded_run(path, "apply", replay, msg)) return false;
    if (!replay) return true;  // no checkpoint there: the runner says so and starts
    const auto& h = replay->header;
    const auto& opts = h.options;
    if (positional) {
        auto m = opts.find("manifest");
        if (m == opts.end()) {
            msg = "--resume " + path + ": the checkpoint does not name its manifest; give it";
            return false;
        }
        put(vm, "manifest", m->second);
        if (!vm.count("checkpoint")) put(vm, "checkpoint", path);
    }
    if (!given(vm, "action") && !h.action.empty()) put(vm, "action", h.action);
    if (!given(vm, "flavor") && !h.flavor.empty()) put(vm, "flavor", h.flavor);
    if (!given(vm, "base-url") && !h.base_url.empty()) put(vm, "base-url", h.base_url);
    for (const char* k : {"type", "report", "html-report", "from-last4"})
        if (auto it = opts.find(k); it != opts.end() && !given(vm, k)) put(vm, k, it->second);
    for (const char* k :
         {"verify", "skip-unchanged", "skip-invalid", "integrations-only", "link-alerts"})
        if (opts.count(k) && !vm.count(k)) put(vm, k, std::string());
    return fill_set(vm, opts, msg);
}

bool fill_audit_from_checkpoint(po::variables_map& vm, std::string& msg) {
    bool positional = vm.count("resume-checkpoint") > 0;
    if (positional && !vm.count("resume")) {
        msg = vm["resume-checkpoint"].as<std::string>() +
              ": audit takes no argument but the checkpoint of `--resume CHECKPOINT`";
        return false;
    }
    if (!vm.count("resume")) return true;
    std::string path;
    if (positional) {
        path = vm["resume-checkpoint"].as<std::string>();
        if (vm.count("checkpoint") && vm["checkpoint"].as<std::string>() != path) {
            msg = "--resume " + path + " and --checkpoint " + vm["checkpoint"].as<std::string>() +
                  " name two checkpoints";
            return false;
        }
        put(vm, "checkpoint", path);
    } else if (vm.count("checkpoint")) {
        path = vm["checkpoint"].as<std::string>();
    } else {
        path = std::filesystem::path(vm["report"].as<std::string>())
                   .replace_extension(".checkpoint.jsonl")
                   .string();
    }
    std::optional<journal_replay> replay;
    if (!recorded_run(path, "audit", replay, msg)) return false;
    if (!replay) return true;  // no checkpoint there: the audit says so
    const auto& h = replay->header;
    const auto& opts = h.options;
    bool has_source = vm.count("projects") || vm.count("org") || vm.count("all");
    if (!given(vm, "flavor") && !h.flavor.empty()) put(vm, "flavor", h.flavor);
    if (!given(vm, "base-url") && !h.base_url.empty()) put(vm, "base-url", h.base_url);
    auto split = [](std::string_view v) {
        std::vector<std::string> out;
        while (!v.empty()) {
            auto comma = v.find(',');
            out.emplace_back(v.substr(0, comma));
            v = comma == std::string_view::npos ? "" : v.substr(comma + 1);
        }
        return out;
    };
    if (!has_source) {  // the sources are one choice: all of them from the checkpoint, or none
        if (auto it = opts.find("org"); it != opts.end()) put(vm, "org", split(it->second));
        if (auto it = opts.find("projects"); it != opts.end()) put(vm, "projects", it->second);
        if (opts.count("all")) put(vm, "all", std::string());
    }
    for (const char* k : {"type", "secret-ref"})
        if (auto it = opts.find(k); it != opts.end() && !given(vm, k))
            put(vm, k, split(it->second));
    for (const char* k : {"report", "emit-manifest", "emit-sim-seed"})
        if (auto it = opts.find(k); it != opts.end() && !given(vm, k)) put(vm, k, it->second);
    if (opts.count("stale-only") && !given(vm, "stale-only")) put(vm, "stale-only", std::string());
    return true;
}

std::vector<std::string> unrecorded_args(int argc, char** argv,
                                         const po::options_description& desc) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-c" && i + 1 < argc) {  // the one short option with a value
            out.push_back(a);
            out.push_back(argv[++i]);
            continue;
        }
        if (!a.starts_with("--")) {
            if (a.starts_with("-")) out.push_back(a);  // -q, -h
            continue;                                  // the manifest: printed by the caller
        }
        auto name = a.substr(2, a.find('=') - 2);
        auto* d = desc.find_nothrow(name, false);
        bool inline_value = a.find('=') != std::string::npos;
        bool takes_value = d && d->semantic()->max_tokens() > 0 && !inline_value;
        bool keep = !recorded.count(name);
        if (keep) out.push_back(a);
        if (takes_value && i + 1 < argc) {
            ++i;
            if (keep) out.push_back(argv[i]);
        }
    }
    return out;
}

}  // namespace cmbulk::cli
