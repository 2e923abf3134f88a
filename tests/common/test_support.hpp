// Shared helpers for the test suites: temporary directories, running a real binary with a
// deadline and captured output, a cmbulk-sim child process on 127.0.0.1:0, and a tiny blocking
// HTTP client for the simulator's admin endpoints. Every wait here is bounded.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cmbulk::test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// What a finished child process left behind.
struct process_result {
    int exit_code = -1;  ///< exit status, or 128+signal when killed by a signal
    bool timed_out = false;
    std::string out;  ///< everything it wrote to stdout
    std::string err;  ///< everything it wrote to stderr
    std::chrono::milliseconds elapsed{0};
};

/// Options for run_process.
struct run_options {
    std::map<std::string, std::string> env;  ///< added to (or overriding) the environment
    std::vector<std::string> unset_env;      ///< removed from the environment
    std::chrono::milliseconds timeout{std::chrono::seconds(120)};
    std::string stdin_data;     ///< written to the child's stdin, then closed
    std::filesystem::path cwd;  ///< empty: inherit
};

/// Runs argv[0] with the given arguments, waits at most `timeout` (then SIGKILL), and captures
/// its output.
process_result run_process(const std::vector<std::string>& argv, const run_options& opts = {});

/// A process started in the background; killed (SIGTERM, then SIGKILL) when destroyed.
class child_process {
public:
    child_process(const std::vector<std::string>& argv, const run_options& opts = {});
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    int pid() const { return pid_; }
    /// Sends a signal to the child.
    void signal(int sig) const;
    /// Waits at most `timeout` for the child to exit; returns its result (timed_out if it did not).
    process_result wait(std::chrono::milliseconds timeout);
    bool running();

private:
    int pid_ = -1;
    std::filesystem::path out_path_, err_path_;
    std::chrono::steady_clock::time_point started_;
    bool reaped_ = false;
    process_result result_;
};

/// A cmbulk-sim child on 127.0.0.1 with a free port (taken from --port-file).
class sim_process {
public:
    /// `extra_args` are passed to cmbulk-sim after `--listen 127.0.0.1:0 --port-file ...`.
    explicit sim_process(std::vector<std::string> extra_args = {});
    ~sim_process();
    unsigned short port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    child_process& process() { return *proc_; }

private:
    temp_dir dir_;
    std::unique_ptr<child_process> proc_;
    unsigned short port_ = 0;
};

/// A minimal HTTP/1.1 response.
struct http_response {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
};

/// One blocking HTTP request to 127.0.0.1:port with a 10 s deadline (no authentication unless
/// headers say so). Throws on connection failure.
http_response http_request(unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body = {},
                           const std::map<std::string, std::string>& headers = {});

/// The ids of every project a running simulator holds (from GET /__sim/state), in seed order.
/// Throws when the admin endpoint does not answer 200.
std::vector<std::string> project_ids(sim_process& sim);

/// Reads a whole file; throws if it cannot.
std::string read_file(const std::filesystem::path& p);
/// Writes a whole file (creating or truncating it).
void write_file(const std::filesystem::path& p, const std::string& content);

/// The built binaries and the source tree, from the build system.
inline std::string cmbulk_bin() { return CMBULK_BIN; }
inline std::string sim_bin() { return CMBULK_SIM_BIN; }
inline std::filesystem::path source_dir() { return CMBULK_SOURCE_DIR; }

}  // namespace cmbulk::test
