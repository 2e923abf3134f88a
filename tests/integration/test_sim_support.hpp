// Test helper for the simulator's integration tests: runs Debian's curl with --digest against a
// cmbulk-sim child and returns the final status, headers and body of each exchange.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/test_support.hpp"

namespace cmbulk::test {

/// What one curl exchange ended with (the final response after the Digest round trip).
struct curl_result {
    int status = 0;
    std::map<std::string, std::vector<std::string>> headers;  ///< names lower-cased, final response
    std::string body;
    /// The body as JSON (null if it is not JSON).
    boost::json::value json() const {
        boost::system::error_code ec;
        auto v = boost::json::parse(body, ec);
        return ec ? boost::json::value() : v;
    }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
    }
};

/// curl --digest -u user:password against 127.0.0.1:port, one process per call.
class curl_client {
public:
    curl_client(unsigned short port, std::string user, std::string password)
        : port_(port), user_(std::move(user)), password_(std::move(password)) {}

    curl_result call(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     std::vector<std::string> extra_headers = {}) const {
        auto body_path = dir_ / "body";
        auto head_path = dir_ / "head";
        std::vector<std::string> argv{"/usr/bin/curl",
                                      "-s",
                                      "-S",
                                      "--max-time",
                                      "20",
                                      "-X",
                                      method,
                                      "-o",
                                      body_path.string(),
                                      "-D",
                                      head_path.string(),
                                      "-w",
                                      "%{http_code}"};
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        if (!user_.empty()) {
            argv.push_back("--digest");
            argv.push_back("-u");
            argv.push_back(user_ + ":" + password_);
        }
        for (auto& h : extra_headers) {
            argv.push_back("-H");
            argv.push_back(h);
        }
        if (!body.empty() || method == "POST" || method == "PUT") {
            argv.push_back("-H");
            argv.push_back("Content-Type: application/json");
            argv.push_back("--data-binary");
            argv.push_back(body);
        }
        argv.push_back(target.rfind("http", 0) == 0
                           ? target
                           : "http://127.0.0.1:" + std::to_string(port_) + target);
        run_options opts;
        opts.timeout = std::chrono::seconds(30);
        auto r = run_process(argv, opts);
        curl_result out;
        out.status = std::atoi(r.out.c_str());
        std::error_code ec;
        if (std::filesystem::exists(body_path, ec)) out.body = read_file(body_path);
        if (std::filesystem::exists(head_path, ec)) {
            // The header dump holds every response of the exchange; keep the last one's fields.
            auto text = read_file(head_path);
            std::size_t pos = 0;
            while (pos < text.size()) {
                auto eol = text.find("\r\n", pos);
                if (eol == std::string::npos) eol = text.size();
                std::string line = text.substr(pos, eol - pos);
                pos = eol + 2;
                if (line.rfind("HTTP/", 0) == 0) {
                    out.headers.clear();
                    continue;
                }
                auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string name = line.substr(0, colon);
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                auto value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                out.headers[name].push_back(value);
            }
            std::filesystem::remove(head_path, ec);
        }
        std::filesystem::remove(body_path, ec);
        return out;
    }

    /// More curl arguments for every call (e.g. "-k", "--max-time", "1").
    std::vector<std::string> extra_args;

private:
    temp_dir dir_;
    unsigned short port_;
    std::string user_, password_;
};

/// The sample seed shipped in samples/ and its demo key.
inline std::string sample_seed() { return (source_dir() / "samples" / "sim-seed.json").string(); }
inline const std::string demo_public = "demo";
inline const std::string demo_private = "3f1c8e2a-7b6d-4c5e-9a0f-1d2e3c4b5a69";

}  // namespace cmbulk::test
