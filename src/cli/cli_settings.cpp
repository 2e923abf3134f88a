// The settings behind cmbulk's options: the command line, then the environment (CMBULK_*, then the
// Atlas CLI's and mongocli's variables), the profile asked for, and the config file, merged into
// the variables_map with the source of each (flag > environment > profile > config file). A
// misspelt option gets the closest option of its subcommand; a misspelt CMBULK_* variable a
// warning.
#include <boost/any.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.hpp"
#include "cmbulk/catalogue.hpp"

extern char** environ;

namespace cmbulk::cli {

namespace {

constexpr const char* context_key = "cmbulk:context";

std::string getenv_str(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

const config_entry* find_entry(const std::vector<config_entry>& v, std::string_view key) {
    for (auto& e : v)
        if (e.key == key) return &e;
    return nullptr;
}

/// The config file's entries: --config FILE, else $CMBULK_CONFIG, else the default path (which
/// may be absent).
bool read_config_file(const po::variables_map& vm, std::vector<config_entry>& out,
                      std::string& msg) {
    auto get = [](const char* n) { return static_cast<const char*>(std::getenv(n)); };
    std::filesystem::path path;
    bool explicit_path = vm.count("config") > 0;
    if (explicit_path)
        path = vm["config"].as<std::string>();
    else if (!getenv_str("CMBULK_CONFIG").empty())
        path = getenv_str("CMBULK_CONFIG"), explicit_path = true;
    else
        path = default_config_path(get);
    if (path.empty()) return true;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (explicit_path) msg = "--config " + path.string() + ": cannot read it";
        return !explicit_path;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    diagnostics diag;
    auto parsed = parse_config(ss.str(), path.string(), diag);
    if (!parsed) {
        msg = to_string(diag);
        return false;
    }
    out = std::move(*parsed);
    return true;
}

/// The profile asked for: --profile, CMBULK_PROFILE, MONGODB_ATLAS_PROFILE (an Atlas CLI
/// profile), MCLI_PROFILE (a mongocli one), the config file's `profile`; nullopt if none.
std::optional<config_entry> profile_asked(const option_context& ctx, const po::variables_map& vm,
                                          const std::vector<config_entry>& env_entries,
                                          const std::vector<config_entry>& file_entries) {
    // --profile repeated (a fleet): the first gives the base URL and service.
    if (ctx.sources.count("profile"))
        return config_entry{"profile", vm["profile"].as<std::vector<std::string>>().front(),
                            "--profile", setting_origin::flag};
    if (auto* e = find_entry(env_entries, "profile")) return *e;
    for (auto [var, tool] : {std::pair{"MONGODB_ATLAS_PROFILE", "atlascli:"},
                             std::pair{"MCLI_PROFILE", "mongocli:"}}) {
        auto v = getenv_str(var);
        if (v.empty()) continue;
        if (v.find(':') == std::string::npos) v = tool + v;
        return config_entry{"profile", v, var, setting_origin::environment};
    }
    if (auto* e = find_entry(file_entries, "profile")) return *e;
    return std::nullopt;
}

/// The profile (into ctx) and the tools' settings (base URL, flavor) as a layer.
bool load_tools(const po::variables_map& vm, const std::vector<config_entry>& env_entries,
                const std::vector<config_entry>& file_entries, option_context& ctx,
                std::vector<config_entry>& layer, std::string& msg) {
    auto env = process_environment();
    diagnostics diag;
    if (auto ask = profile_asked(ctx, vm, env_entries, file_entries)) {
        auto request = parse_profile_request(ask->value, ask->source, diag);
        if (!request) {
            msg = to_string(diag);
            return false;
        }
        auto profile = load_profile(*request, env, disk_file_reader(), diag);
        if (!profile) {
            msg = to_string(diag);
            return false;
        }
        ctx.profile = std::move(*profile);
    }
    auto tools = tool_settings(ctx.profile ? &*ctx.profile : nullptr, env, diag);
    if (!tools) {
        msg = to_string(diag);
        return false;
    }
    layer = std::move(*tools);
    return true;
}

void warn_unknown_variables() {
    std::vector<std::string> names;
    for (char** e = environ; e && *e; ++e) {
        std::string_view s(*e);
        names.emplace_back(s.substr(0, s.find('=')));
    }
    for (auto& [name, near] : unknown_cmbulk_variables(names))
        std::cerr << "cmbulk: warning: " << name << " is not a cmbulk variable (did you mean "
                  << near << "?)\n";
}

}  // namespace

const option_context& context_of(const po::variables_map& vm) {
    static const option_context none;
    auto it = vm.find(context_key);
    if (it == vm.end()) return none;
    return *boost::any_cast<std::shared_ptr<const option_context>>(it->second.value());
}

std::optional<config_entry> setting(const po::variables_map& vm, const std::string& key) {
    auto it = vm.find(key);
    if (it == vm.end() || it->second.empty() || it->second.defaulted()) return std::nullopt;
    auto* text = boost::any_cast<std::string>(&it->second.value());
    if (!text) return std::nullopt;
    auto& sources = context_of(vm).sources;
    auto s = sources.find(key);
    config_entry e =
        s != sources.end() ? s->second : config_entry{key, "", "--" + key, setting_origin::flag};
    e.key = key;
    e.value = *text;
    return e;
}

std::optional<api_target> resolve_target(const po::variables_map& vm, std::string& msg) {
    auto fl = setting(vm, "flavor");
    auto url = setting(vm, "base-url");
    diagnostics diag;
    auto t = choose_api_target(fl ? &*fl : nullptr, url ? &*url : nullptr, diag);
    if (!t) {
        msg = to_string(diag);
        return std::nullopt;
    }
    return *t;
}

bool apply_config(const po::options_description& desc, po::variables_map& vm, std::string& msg) {
    auto ctx = std::make_shared<option_context>();
    for (auto& [key, value] : vm)
        if (!value.defaulted()) ctx->sources[key] = {key, "", "--" + key, setting_origin::flag};
    std::vector<config_entry> layers[3];  // environment, tools and profile, config file
    if (!read_config_file(vm, layers[2], msg)) return false;
    layers[0] = config_from_environment(
        [](const char* n) { return static_cast<const char*>(std::getenv(n)); });
    if (desc.find_nothrow("profile", false) &&
        !load_tools(vm, layers[0], layers[2], *ctx, layers[1], msg))
        return false;
    std::vector<std::string> args;
    std::string where;
    for (auto& e : merge_config(layers)) {
        // Not an option of this subcommand, or already given as a flag (a composing option such
        // as audit's --type would otherwise gain the file's value too).
        if (!desc.find_nothrow(e.key, false) || ctx->sources.count(e.key)) continue;
        args.push_back("--" + e.key + "=" + e.value);
        where += (where.empty() ? "" : ", ") + e.source;
        ctx->sources[e.key] = e;
    }
    if (!args.empty()) {
        try {
            po::store(po::command_line_parser(args).options(desc).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            msg = std::string(e.what()) + " (from " + where + ")";
            return false;
        }
    }
    vm.insert({context_key,
               po::variable_value(boost::any(std::shared_ptr<const option_context>(std::move(ctx))),
                                  false)});
    warn_unknown_variables();
    return true;
}

namespace {

/// "unrecognised option '--verfy' (did you mean --verify?)".
std::string unknown_option_message(const po::unknown_option& e, const po::options_description& all,
                                   const char* positional) {
    std::string name = e.get_option_name();
    std::vector<std::string> longs;
    for (auto& o : all.options())
        if (!o->long_name().empty() && (!positional || o->long_name() != positional))
            longs.push_back(o->long_name());
    std::vector<std::string_view> views(longs.begin(), longs.end());
    auto word = std::string_view(name).substr(std::min(name.find_first_not_of('-'), name.size()));
    auto near = closest_name(word.substr(0, word.find('=')), views);
    return "unrecognised option '" + name + "'" +
           (near.empty() ? "" : " (did you mean --" + near + "?)");
}

}  // namespace

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
    } catch (const po::unknown_option& e) {
        std::cerr << "cmbulk " << command << ": " << unknown_option_message(e, all, positional)
                  << "\n";
        return false;
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

}  // namespace cmbulk::cli
