// Test helper for the tests that run the documentation: extracts the commands of a README
// section's indented code blocks, of a `--help` text's examples and of a man page's EXAMPLES, and
// runs them in order in one directory the way a reader would: `export` lines change the
// environment of the commands after them, a `cmbulk-sim` command is a server started in the
// background (the reader's "other terminal") on a free port, and a command whose comment says
// "Ctrl-C" is interrupted. What is rewritten is said where it happens: the port a simulator
// listens on (and every later mention of it), and nothing else unless the caller asks.
#pragma once

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/test_support.hpp"

namespace cmbulk::test {

/// One command as the document writes it.
struct doc_command {
    std::string text;     ///< continuation lines joined, the trailing comment removed
    std::string comment;  ///< the trailing `# ...` comment, without the '#', or ""
    std::string origin;   ///< "README.md:42"
};

namespace detail {

/// Splits "cmd   # comment" at a '#' that starts a word outside quotes.
inline std::pair<std::string, std::string> split_comment(const std::string& line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
            auto cmd = line.substr(0, i);
            while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
            auto comment = line.substr(i + 1);
            while (!comment.empty() && comment.front() == ' ') comment.erase(0, 1);
            return {cmd, comment};
        }
    }
    return {line, ""};
}

/// Joins `\`-continued lines; each entry is {text, 1-based line of its first line}.
inline std::vector<std::pair<std::string, int>> join_lines(
    const std::vector<std::pair<std::string, int>>& lines) {
    std::vector<std::pair<std::string, int>> out;
    bool continued = false;
    for (auto& [raw, no] : lines) {
        std::string line = raw;
        while (!line.empty() && line.front() == ' ') line.erase(0, 1);
        bool more = !line.empty() && line.back() == '\\';
        if (more) line.pop_back();
        if (continued)
            out.back().first += " " + line;
        else
            out.emplace_back(line, no);
        continued = more;
    }
    return out;
}

inline std::vector<doc_command> to_commands(const std::vector<std::pair<std::string, int>>& lines,
                                            const std::string& file) {
    std::vector<doc_command> out;
    for (auto& [text, no] : join_lines(lines)) {
        auto [cmd, comment] = split_comment(text);
        if (cmd.empty()) continue;
        out.push_back({cmd, comment, file + ":" + std::to_string(no)});
    }
    return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

}  // namespace detail

/// The commands of the indented (four-space) code blocks of the Markdown section that starts
/// with `heading` (up to the next `## `).
inline std::vector<doc_command> markdown_commands(const std::string& text, const std::string& file,
                                                  const std::string& heading) {
    auto lines = detail::split_lines(text);
    std::vector<std::pair<std::string, int>> code;
    bool in = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("## ", 0) == 0) in = lines[i] == heading;
        if (in && lines[i].rfind("    ", 0) == 0) code.emplace_back(lines[i], int(i) + 1);
    }
    return detail::to_commands(code, file);
}

/// The examples of a --help text: the two-space-indented lines after "Example:" / "Examples:".
inline std::vector<doc_command> help_examples(const std::string& text, const std::string& origin) {
    auto lines = detail::split_lines(text);
    std::vector<std::pair<std::string, int>> code;
    bool in = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i] == "Example:" || lines[i] == "Examples:") {
            in = true;
            continue;
        }
        if (in && lines[i].rfind("  ", 0) != 0) in = false;
        if (in) code.emplace_back(lines[i], int(i) + 1);
    }
    return detail::to_commands(code, origin);
}

/// The lines of the .nf/.fi blocks of a man page's EXAMPLES section, roff escapes undone.
inline std::vector<doc_command> man_examples(const std::string& roff, const std::string& file) {
    auto lines = detail::split_lines(roff);
    std::vector<std::pair<std::string, int>> code;
    bool section = false, fill_off = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto& l = lines[i];
        if (l.rfind(".SH", 0) == 0) section = l == ".SH EXAMPLES";
        if (!section) continue;
        if (l == ".nf") fill_off = true;
        if (l == ".fi") fill_off = false;
        if (!fill_off || l.empty() || l.front() == '.') continue;
        std::string plain;
        for (std::size_t j = 0; j < l.size(); ++j) {
            if (l[j] == '\\' && j + 1 < l.size()) {
                char n = l[++j];
                plain += n == 'e' ? '\\' : n;  // \e is a backslash, \- a minus
            } else {
                plain += l[j];
            }
        }
        code.emplace_back(plain, int(i) + 1);
    }
    return detail::to_commands(code, file);
}

/// Runs documented commands in order in one directory.
class doc_session {
public:
    doc_session(std::filesystem::path dir, std::map<std::string, std::string> env)
        : dir_(std::move(dir)), env_(std::move(env)) {}

    /// The environment the next command gets.
    std::map<std::string, std::string>& env() { return env_; }
    /// Documented port -> the port its simulator really listens on.
    const std::map<std::string, unsigned short>& ports() const { return ports_; }
    /// Every extra rewrite the caller asks for: {documented text, replacement}.
    std::vector<std::pair<std::string, std::string>> rewrites;

    /// The command as it will run: every rewrite applied, the simulators' ports substituted.
    std::string prepare(std::string text) const {
        for (auto& [from, to] : rewrites) replace_all(text, from, to);
        for (auto& [documented, real] : ports_)
            replace_all(text, "127.0.0.1:" + documented, "127.0.0.1:" + std::to_string(real));
        return text;
    }

    /// Runs one command; returns its result (exports: exit 0 with the new environment taken).
    process_result run(const doc_command& c, std::chrono::seconds timeout) {
        auto text = prepare(c.text);
        BOOST_TEST_MESSAGE(c.origin << ": " << text);
        if (text.rfind("export ", 0) == 0) return run_export(text);
        if (is_simulator(text)) return start_simulator(text, c.origin);
        if (c.comment.find("Ctrl-C") != std::string::npos) return interrupt(text);
        return run_process({"/bin/bash", "-c", text}, options(timeout));
    }

    /// A simulator the caller started stands for the one the text says listens on `documented`.
    void adopt(const std::string& documented, unsigned short real) { ports_[documented] = real; }

    /// The simulators this session started (for their logs).
    std::vector<unsigned short> simulator_ports() const {
        std::vector<unsigned short> out;
        for (auto& [d, p] : ports_) out.push_back(p);
        return out;
    }

private:
    static void replace_all(std::string& s, const std::string& from, const std::string& to) {
        for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
            s.replace(pos, from.size(), to);
    }

    static bool is_simulator(const std::string& text) {
        auto first = text.substr(0, text.find(' '));
        return first.size() >= 10 && first.compare(first.size() - 10, 10, "cmbulk-sim") == 0;
    }

    run_options options(std::chrono::seconds timeout) const {
        run_options o;
        o.env = env_;
        o.unset_env = unset_;
        o.cwd = dir_;
        o.timeout = timeout;
        return o;
    }

    /// `export A=B C=D`: bash evaluates it, and the environment it leaves is taken.
    process_result run_export(const std::string& text) {
        auto r =
            run_process({"/bin/bash", "-c", text + "\nenv -0"}, options(std::chrono::seconds(10)));
        if (r.exit_code != 0) return r;
        std::map<std::string, std::string> next;
        std::size_t pos = 0;
        while (pos < r.out.size()) {
            auto end = r.out.find('\0', pos);
            if (end == std::string::npos) end = r.out.size();
            auto kv = r.out.substr(pos, end - pos);
            auto eq = kv.find('=');
            if (eq != std::string::npos) next[kv.substr(0, eq)] = kv.substr(eq + 1);
            pos = end + 1;
        }
        // Keep what was set before or now, not what bash adds (SHLVL, _, PWD).
        for (auto& [k, v] : next) {
            bool named = text.find(" " + k + "=") != std::string::npos;
            if (named) env_[k] = v;
        }
        r.out.clear();
        return r;
    }

    /// Rewritten here: `--listen 127.0.0.1:PORT` (or none: the default 127.0.0.1:8080) becomes
    /// `--listen 127.0.0.1:0 --port-file F`, so the test never takes a fixed port; every later
    /// 127.0.0.1:PORT then names the real one.
    process_result start_simulator(std::string text, const std::string& origin) {
        auto port_file = dir_ / ("sim-" + std::to_string(sims_.size()) + ".port");
        std::string documented = "8080";
        auto at = text.find("--listen 127.0.0.1:");
        if (at != std::string::npos) {
            auto begin = at + std::string("--listen 127.0.0.1:").size();
            auto end = text.find(' ', begin);
            documented = text.substr(begin, end == std::string::npos ? end : end - begin);
            text.replace(at, (end == std::string::npos ? text.size() : end) - at,
                         "--listen 127.0.0.1:0 --port-file " + port_file.string());
        } else {
            text += " --listen 127.0.0.1:0 --port-file " + port_file.string();
        }
        BOOST_TEST_MESSAGE(origin << ": started as: " << text);
        sims_.push_back(std::make_unique<child_process>(
            std::vector<std::string>{"/bin/bash", "-c", "exec " + text},
            options(std::chrono::seconds(600))));
        process_result r;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline) {
            std::error_code ec;
            if (std::filesystem::exists(port_file, ec) && !read_file(port_file).empty() &&
                read_file(port_file).back() == '\n') {
                ports_[documented] = static_cast<unsigned short>(std::stoi(read_file(port_file)));
                r.exit_code = 0;
                return r;
            }
            if (!sims_.back()->running()) return sims_.back()->wait(std::chrono::seconds(1));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        r.timed_out = true;
        return r;
    }

    /// "press Ctrl-C after a few seconds": SIGINT after three, as a reader would.
    process_result interrupt(const std::string& text) {
        child_process child({"/bin/bash", "-c", "exec " + text},
                            options(std::chrono::seconds(120)));
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (child.running() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        child.signal(SIGINT);
        return child.wait(std::chrono::seconds(60));
    }

    std::filesystem::path dir_;
    std::map<std::string, std::string> env_;
    std::vector<std::string> unset_;
    std::map<std::string, unsigned short> ports_;
    std::vector<std::unique_ptr<child_process>> sims_;

public:
    /// Variables removed from every command's environment.
    void unset(std::vector<std::string> names) { unset_ = std::move(names); }
};

/// Every variable that could bring a setting or credential in from the caller's environment.
inline std::vector<std::string> foreign_variables() {
    return {"CMBULK_BASE_URL",
            "CMBULK_RATE",
            "CMBULK_FLAVOR",
            "CMBULK_CONFIG",
            "CMBULK_PROFILE",
            "CMBULK_PUBLIC_KEY",
            "CMBULK_PRIVATE_KEY",
            "CMBULK_PRIVATE_KEY_FILE",
            "CMBULK_CLIENT_ID",
            "CMBULK_CLIENT_SECRET",
            "CMBULK_CONCURRENCY",
            "CMBULK_LOG_FORMAT",
            "MONGODB_ATLAS_PUBLIC_API_KEY",
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "MONGODB_ATLAS_CLIENT_ID",
            "MONGODB_ATLAS_CLIENT_SECRET",
            "MONGODB_ATLAS_PROFILE",
            "MONGODB_ATLAS_OPS_MANAGER_URL",
            "MONGODB_ATLAS_SERVICE",
            "MCLI_PUBLIC_API_KEY",
            "MCLI_PRIVATE_API_KEY",
            "MCLI_PROFILE",
            "MCLI_OPS_MANAGER_URL",
            "MCLI_SERVICE",
            "NEW_SLACK_TOKEN",
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY"};
}

}  // namespace cmbulk::test
