// The progress line end to end: `cmbulk apply --progress live` against a cmbulk-sim that
// answers some requests with 429 and Retry-After (the --fault 429 injection): every rewritten
// line fits the width COLUMNS gives, none is wrapped, and during a Retry-After pause the line
// says "waiting for the server: Retry-After N s" instead of a rate of zero; `audit` counts
// projects on the same line; on a real terminal (a pseudo-terminal here), a resize with its
// SIGWINCH makes every later line fit the new width.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <functional>
#include <map>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;

namespace {

run_options with_keys() {
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = cmbulk::sim::generated_public_key;
    o.env["CMBULK_PRIVATE_KEY"] = cmbulk::sim::generated_private_key;
    o.unset_env = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"};
    o.timeout = std::chrono::seconds(180);
    return o;
}

/// The live lines in `err`: the text after each "\r" up to its clear-to-end "\033[K".
std::vector<std::string> live_lines(const std::string& err) {
    std::vector<std::string> lines;
    for (auto p = err.find('\r'); p != std::string::npos; p = err.find('\r', p + 1)) {
        auto end = err.find("\033[K", p);
        if (end == std::string::npos) break;
        lines.push_back(err.substr(p + 1, end - p - 1));
    }
    return lines;
}

/// `argv` with stderr on a new pseudo-terminal of `cols` columns (raw: no "\r\n" for "\n"),
/// stdout to /dev/null; `on_output(all so far)` may return true once to resize the terminal to
/// `new_cols` and send SIGWINCH. Returns what the terminal showed, and where the resize fell.
struct pty_run {
    std::string shown;
    std::size_t resized_at = std::string::npos;
    int exit_code = -1;
};

pty_run run_on_pty(const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env, unsigned short cols,
                   unsigned short new_cols,
                   const std::function<bool(const std::string&)>& resize_now) {
    pty_run out;
    int master = -1, slave = -1;
    winsize ws{};
    ws.ws_col = cols;
    ws.ws_row = 30;
    BOOST_TEST_REQUIRE(::openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
    std::vector<std::string> env_text;
    for (auto& [k, v] : env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(slave, 2);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    ::close(slave);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    char buf[4096];
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (::poll(&p, 1, 200) <= 0) continue;
        auto n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;  // EIO once the child has closed the terminal
        out.shown.append(buf, static_cast<std::size_t>(n));
        if (out.resized_at == std::string::npos && resize_now(out.shown)) {
            ws.ws_col = new_cols;
            ::ioctl(master, TIOCSWINSZ, &ws);
            out.resized_at = out.shown.size();
            ::kill(pid, SIGWINCH);
        }
    }
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress_integration)

BOOST_AUTO_TEST_CASE(live_line_fits_columns_and_says_when_the_server_pauses) {
    temp_dir dir;
    sim_process sim{{"--generate", "1:40", "--fault", "429=0.15", "--fault-seed", "3"}};
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK,xoxb-progress-1234,team,#ops\n";
    write_file(dir / "slack.csv", csv);
    auto o = with_keys();
    o.env["COLUMNS"] = "64";
    auto r = run_process(
        {cmbulk_bin(), "apply", (dir / "slack.csv").string(), "--base-url", sim.base_url(),
         "--report", (dir / "r.csv").string(), "--progress", "live", "--concurrency", "2"},
        o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto lines = live_lines(r.err);
    BOOST_TEST_REQUIRE(lines.size() >= 2u, r.err);
    bool paused = false, counted = false;
    for (auto& l : lines) {
        BOOST_TEST_CONTEXT("line '" << l << "'") {
            BOOST_TEST(l.size() <= 63u);  // COLUMNS 64, the last column kept free
            BOOST_TEST(l.find('\n') == std::string::npos);
            BOOST_TEST(l.find("pace 0/s") == std::string::npos);
        }
        paused = paused || l.find("waiting for the server: Retry-After ") != std::string::npos;
        counted = counted || l.find("/40 rows") != std::string::npos;
    }
    BOOST_TEST(paused, r.err);
    BOOST_TEST(counted, r.err);
    // The summary after the line was cleared starts on a line of its own.
    BOOST_TEST(r.err.find("\r\033[Krows 40:") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(audit_counts_projects_on_the_line) {
    temp_dir dir;
    sim_process sim{{"--generate", "1:30", "--latency", "60"}};
    auto o = with_keys();
    o.env["COLUMNS"] = "100";
    auto r = run_process({cmbulk_bin(), "audit", "--all", "--base-url", sim.base_url(), "--report",
                          (dir / "a.csv").string(), "--progress", "live", "--concurrency", "1"},
                         o);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    bool projects = false;
    for (auto& l : live_lines(r.err)) {
        BOOST_TEST(l.size() <= 99u);
        projects = projects || l.find("/30 projects") != std::string::npos;
    }
    BOOST_TEST(projects, r.err);
}

BOOST_AUTO_TEST_CASE(a_resized_terminal_is_followed_from_its_sigwinch_on) {
    temp_dir dir;
    sim_process sim{{"--generate", "1:30", "--latency", "120"}};
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK,xoxb-progress-1234,team,#ops\n";
    write_file(dir / "slack.csv", csv);
    // A terminal of 100 columns (no COLUMNS: the width is the terminal's), narrowed to 30 once
    // the first live line is shown.
    std::map<std::string, std::string> env{
        {"CMBULK_PUBLIC_KEY", std::string(cmbulk::sim::generated_public_key)},
        {"CMBULK_PRIVATE_KEY", std::string(cmbulk::sim::generated_private_key)},
        {"TERM", "xterm"},
        {"HOME", dir.path().string()}};
    auto r =
        run_on_pty({cmbulk_bin(), "apply", (dir / "slack.csv").string(), "--base-url",
                    sim.base_url(), "--report", (dir / "r.csv").string(), "--concurrency", "1"},
                   env, 100, 30, [](const std::string& shown) {
                       return shown.find("\033[K") != std::string::npos &&
                              shown.find("rows") != std::string::npos;
                   });
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.shown);
    BOOST_TEST_REQUIRE(r.resized_at != std::string::npos, r.shown);
    auto before = live_lines(r.shown.substr(0, r.resized_at));
    auto after = live_lines(r.shown.substr(r.resized_at));
    BOOST_TEST_REQUIRE(!before.empty(), r.shown);
    BOOST_TEST(before.front().size() > 29u, before.front());  // it had 100 columns then
    // Every line after the resize fits 30 columns (the last kept free), the clearing included.
    BOOST_TEST_REQUIRE(after.size() >= 2u, r.shown);
    for (auto& l : after) BOOST_TEST(l.size() <= 29u, "line '" << l << "'");
}

BOOST_AUTO_TEST_SUITE_END()
