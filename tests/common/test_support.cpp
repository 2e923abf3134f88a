// Implementation of the shared test helpers: fork/exec with output redirected to files, bounded
// waits, and a blocking Beast client for loopback-only admin calls.
#include "common/test_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cmbulk::test {
namespace fs = std::filesystem;

temp_dir::temp_dir() {
    std::random_device rd;
    for (int i = 0; i < 100; ++i) {
        auto p = fs::temp_directory_path() / ("cmbulk-test-" + std::to_string(rd()));
        std::error_code ec;
        if (fs::create_directory(p, ec)) {
            path_ = p;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

temp_dir::~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + p.string());
    out << content;
}

namespace {

std::vector<std::string> build_env(const run_options& opts) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& name : opts.unset_env) env.erase(name);
    for (auto& [k, v] : opts.env) env[k] = v;
    std::vector<std::string> out;
    for (auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

int spawn(const std::vector<std::string>& argv, const run_options& opts, const fs::path& out_path,
          const fs::path& err_path) {
    auto env = build_env(opts);
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);

    int in_pipe[2];
    if (pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        close(in_pipe[0]);
        close(in_pipe[1]);
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out, 1);
        dup2(err, 2);
        close(out);
        close(err);
        setpgid(0, 0);
        if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(126);
        execve(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
    close(in_pipe[0]);
    if (!opts.stdin_data.empty()) {
        // Small inputs only: the pipe buffer holds 64 KiB.
        auto n = write(in_pipe[1], opts.stdin_data.data(), opts.stdin_data.size());
        (void)n;
    }
    close(in_pipe[1]);
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

child_process::child_process(const std::vector<std::string>& argv, const run_options& opts) {
    static std::atomic<int> counter{0};
    auto base = fs::temp_directory_path() /
                ("cmbulk-child-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    out_path_ = base.string() + ".out";
    err_path_ = base.string() + ".err";
    started_ = std::chrono::steady_clock::now();
    pid_ = spawn(argv, opts, out_path_, err_path_);
}

child_process::~child_process() {
    if (!reaped_ && pid_ > 0) {
        ::kill(pid_, SIGTERM);
        wait(std::chrono::seconds(5));
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            wait(std::chrono::seconds(5));
        }
    }
    std::error_code ec;
    fs::remove(out_path_, ec);
    fs::remove(err_path_, ec);
}

void child_process::signal(int sig) const {
    if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

bool child_process::running() {
    if (reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        result_.exit_code = decode_status(status);
        result_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started_);
        return false;
    }
    return true;
}

process_result child_process::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            process_result r;
            r.timed_out = true;
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    result_.out = read_file(out_path_);
    result_.err = read_file(err_path_);
    return result_;
}

process_result run_process(const std::vector<std::string>& argv, const run_options& opts) {
    child_process child(argv, opts);
    auto r = child.wait(opts.timeout);
    if (r.timed_out) {
        child.signal(SIGKILL);
        auto killed = child.wait(std::chrono::seconds(5));
        killed.timed_out = true;
        return killed;
    }
    return r;
}

sim_process::sim_process(std::vector<std::string> extra_args) {
    auto port_file = dir_ / "port";
    std::vector<std::string> argv{sim_bin(), "--listen", "127.0.0.1:0", "--port-file",
                                  port_file.string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    proc_ = std::make_unique<child_process>(argv);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        if (fs::exists(port_file, ec)) {
            auto text = read_file(port_file);
            if (!text.empty() && text.back() == '\n') {
                port_ = static_cast<unsigned short>(std::stoi(text));
                return;
            }
        }
        if (!proc_->running()) {
            auto r = proc_->wait(std::chrono::seconds(1));
            throw std::runtime_error("cmbulk-sim exited early: " + r.err);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("cmbulk-sim did not write its port file within 20 s");
}

sim_process::~sim_process() = default;

http_response http_request(unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body,
                           const std::map<std::string, std::string>& headers) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.body() = body;
        if (!headers.count("Content-Type")) req.set(http::field::content_type, "application/json");
        req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(512 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    http_response out;
    out.status = res.result_int();
    for (auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return out;
}

std::vector<std::string> project_ids(sim_process& sim) {
    auto res = http_request(sim.port(), "GET", "/__sim/state");
    if (res.status != 200)
        throw std::runtime_error("GET /__sim/state answered " + std::to_string(res.status));
    auto state = boost::json::parse(res.body);
    std::vector<std::string> ids;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array()) ids.emplace_back(p.at("id").as_string());
    return ids;
}

}  // namespace cmbulk::test
