// Proxies: the pure parts (proxy URL with credentials, NO_PROXY matching, choice of variable) and
// `cmbulk apply` through a real tinyproxy (Debian's) started on 127.0.0.1 with a generated config,
// with cmbulk-sim behind it: plain http as absolute-form requests, https through a CONNECT tunnel
// with Basic proxy credentials (never printed), a wrong proxy password, and NO_PROXY bypassing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "cmbulk/proxy.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
using namespace cmbulk::test;
namespace json = boost::json;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

std::string tinyproxy_bin() {
    for (auto p : {"/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"})
        if (std::filesystem::exists(p)) return p;
    return {};
}

bool can_connect(unsigned short port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

unsigned short free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

/// tinyproxy in the foreground on 127.0.0.1 with its own config and log in a temp dir.
class tinyproxy {
public:
    explicit tinyproxy(std::string basic_auth = {}) {
        port_ = free_port();
        std::string conf = "Port " + std::to_string(port_) +
                           "\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Info\n"
                           "LogFile \"" +
                           (dir_ / "tinyproxy.log").string() +
                           "\"\n"
                           "PidFile \"" +
                           (dir_ / "tinyproxy.pid").string() +
                           "\"\n"
                           "Allow 127.0.0.1\n";
        if (!basic_auth.empty()) conf += "BasicAuth " + basic_auth + "\n";
        write_file(dir_ / "tinyproxy.conf", conf);
        proc_ = std::make_unique<child_process>(std::vector<std::string>{
            tinyproxy_bin(), "-d", "-c", (dir_ / "tinyproxy.conf").string()});
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!can_connect(port_) && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        BOOST_REQUIRE_MESSAGE(can_connect(port_), "tinyproxy did not start");
    }
    unsigned short port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log() const {
        std::error_code ec;
        if (!std::filesystem::exists(dir_ / "tinyproxy.log", ec)) return {};
        return read_file(dir_ / "tinyproxy.log");
    }

private:
    temp_dir dir_;
    unsigned short port_ = 0;
    std::unique_ptr<child_process> proc_;
};

std::int64_t creates(sim_process& sim) {
    auto state = json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
    std::int64_t n = 0;
    for (auto& org : state.at("orgs").as_array())
        for (auto& p : org.at("projects").as_array())
            n += p.at("creates").to_number<std::int64_t>();
    return n;
}

std::filesystem::path manifest(const temp_dir& dir, sim_process& sim) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (auto& id : project_ids(sim)) csv += id + ",SLACK,xoxb-proxy-SECRET-" + id + ",team,#ops\n";
    auto p = dir / "slack.csv";
    write_file(p, csv);
    return p;
}

/// Runs apply with only the given proxy variables set (both spellings of the others removed).
process_result apply_via(const temp_dir& dir, const std::string& base_url,
                         const std::filesystem::path& m,
                         std::map<std::string, std::string> proxy_env,
                         std::vector<std::string> extra = {}) {
    run_options o;
    o.unset_env = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                   "no_proxy",   "NO_PROXY",   "all_proxy",   "ALL_PROXY"};
    o.env = std::move(proxy_env);
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.timeout = std::chrono::seconds(60);
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  m.string(),
                                  "--base-url",
                                  base_url,
                                  "--report",
                                  (dir / "report.csv").string(),
                                  "--checkpoint",
                                  (dir / ("cp-" + std::to_string(::rand()) + ".jsonl")).string(),
                                  "--progress",
                                  "plain",
                                  "--max-attempts",
                                  "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_suite)

BOOST_AUTO_TEST_CASE(proxy_url_credentials_become_basic_and_are_never_echoed) {
    std::string msg;
    auto p = parse_proxy_url("http://alice:s%40cret@proxy.corp:3128", msg);
    BOOST_TEST_REQUIRE(p.has_value(), msg);
    BOOST_TEST(p->endpoint.host == "proxy.corp");
    BOOST_TEST(p->endpoint.port == "3128");
    BOOST_TEST(p->authorization == "Basic YWxpY2U6c0BjcmV0");  // base64("alice:s@cret")
    BOOST_TEST(p->display == "http://proxy.corp:3128");
    auto bare = parse_proxy_url("proxy.corp:8080", msg);
    BOOST_TEST_REQUIRE(bare.has_value());
    BOOST_TEST(bare->endpoint.port == "8080");
    BOOST_TEST(bare->authorization.empty());
    BOOST_TEST(parse_proxy_url("http://proxy.corp", msg)->endpoint.port == "80");
    msg.clear();
    BOOST_TEST(!parse_proxy_url("socks5://bob:hunter2@p:1080", msg).has_value());
    BOOST_TEST(msg.find("hunter2") == std::string::npos);
    BOOST_TEST(msg.find("socks5") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_proxy_matching) {
    struct c {
        const char* list;
        const char* host;
        const char* port;
        bool match;
    } cases[] = {
        {"", "cloud.mongodb.com", "443", false},
        {"*", "cloud.mongodb.com", "443", true},
        {"mongodb.com", "cloud.mongodb.com", "443", true},
        {".mongodb.com", "cloud.mongodb.com", "443", true},
        {"mongodb.com", "mongodb.com", "443", true},
        {"godb.com", "cloud.mongodb.com", "443", false},
        {"localhost, 127.0.0.1", "127.0.0.1", "8080", true},
        {"127.0.0.1:9000", "127.0.0.1", "8080", false},
        {"127.0.0.1:8080", "127.0.0.1", "8080", true},
        {"10.0.0.1", "110.0.0.1", "80", false},
        {"[::1]:80,OM.Example.COM", "om.example.com", "8443", true},
        {"[::1]", "::1", "80", true},
    };
    for (auto& k : cases) {
        BOOST_TEST_CONTEXT(k.list << " / " << k.host << ":" << k.port) {
            BOOST_TEST(no_proxy_matches(k.list, k.host, k.port) == k.match);
        }
    }
}

BOOST_AUTO_TEST_CASE(variable_follows_the_scheme) {
    proxy_environment env{"http://tls-proxy:1", "http://plain-proxy:2", "skip.me"};
    std::string msg;
    http_endpoint tls{true, "a.example", "443", "a.example"};
    http_endpoint plain{false, "a.example", "80", "a.example"};
    BOOST_TEST(select_proxy(tls, env, msg)->endpoint.host == "tls-proxy");
    BOOST_TEST(select_proxy(plain, env, msg)->endpoint.host == "plain-proxy");
    http_endpoint skipped{true, "x.skip.me", "443", "x.skip.me"};
    BOOST_TEST(!select_proxy(skipped, env, msg).has_value());
    BOOST_TEST(msg.empty());
    proxy_environment bad{"ftp://u:pw-SECRET@p:1", "", ""};
    BOOST_TEST(!select_proxy(tls, bad, msg).has_value());
    BOOST_TEST(msg.find("HTTPS_PROXY") != std::string::npos);
    BOOST_TEST(msg.find("pw-SECRET") == std::string::npos);
    BOOST_TEST(!select_proxy(plain, bad, msg).has_value());  // no HTTP_PROXY: direct
}

BOOST_AUTO_TEST_CASE(plain_http_goes_through_tinyproxy_as_absolute_form) {
    if (tinyproxy_bin().empty()) {
        BOOST_FAIL("tinyproxy is not installed (scripts/deps.sh installs it)");
        return;
    }
    tinyproxy proxy;
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    auto m = manifest(dir, sim);
    // NO_PROXY is empty on purpose: users normally exclude loopback, and then nothing would
    // reach the proxy.
    auto r = apply_via(dir, sim.base_url(), m, {{"HTTP_PROXY", proxy.url()}, {"NO_PROXY", ""}});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(creates(sim) == 3);
    auto log = proxy.log();
    auto target = "http://127.0.0.1:" + std::to_string(sim.port()) + "/api/public/v1.0/groups/";
    BOOST_TEST(log.find("POST " + target) != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(https_goes_through_a_connect_tunnel_with_hidden_credentials) {
    if (tinyproxy_bin().empty()) {
        BOOST_FAIL("tinyproxy is not installed (scripts/deps.sh installs it)");
        return;
    }
    temp_dir dir;
    auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    auto gen = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-days", "1", "-keyout", key, "-out", cert});
    BOOST_REQUIRE_EQUAL(gen.exit_code, 0);
    tinyproxy proxy("proxyuser pr0xy-PASSWORD");
    sim_process sim({"--generate", "1:3", "--tls-cert", cert, "--tls-key", key});
    auto https = "https://127.0.0.1:" + std::to_string(sim.port());
    // The admin endpoints speak TLS here too; the generated world is deterministic, so a plain
    // twin gives the same project ids.
    sim_process twin({"--generate", "1:3"});
    auto m = manifest(dir, twin);
    auto with_creds = "http://proxyuser:pr0xy-PASSWORD@127.0.0.1:" + std::to_string(proxy.port());
    auto r = apply_via(dir, https, m, {{"https_proxy", with_creds}, {"no_proxy", ""}},
                       {"--cacert", cert, "--log-format", "json"});
    BOOST_TEST(r.exit_code == 0, r.err);
    auto rows = read_file(dir / "report.csv");
    BOOST_TEST(std::count(rows.begin(), rows.end(), '\n') == 4);  // header + 3 rows
    BOOST_TEST(rows.find(",created,") != std::string::npos, rows);
    BOOST_TEST(rows.find(",failed,") == std::string::npos, rows);
    auto log = proxy.log();
    BOOST_TEST(log.find("CONNECT 127.0.0.1:" + std::to_string(sim.port())) != std::string::npos,
               log);
    // Neither the password nor its Basic encoding shows up anywhere we write.
    auto report = read_file(dir / "report.csv");
    for (const std::string& text : {r.out, r.err, report}) {
        BOOST_TEST(text.find("pr0xy-PASSWORD") == std::string::npos);
        BOOST_TEST(text.find("cHJveHl1c2VyOnByMHh5LVBBU1NXT1JE") == std::string::npos);
    }

    // A wrong proxy password: the tunnel is refused, the run stops, nothing leaks.
    auto bad = "http://proxyuser:WRONG-pw-123@127.0.0.1:" + std::to_string(proxy.port());
    auto r2 =
        apply_via(dir, https, m, {{"HTTPS_PROXY", bad}, {"NO_PROXY", ""}}, {"--cacert", cert});
    BOOST_TEST(r2.exit_code == 3, r2.err);
    // RFC 9110 says 407; tinyproxy 1.11 answers 401. Either way the tunnel is refused.
    BOOST_TEST(r2.err.find("refused the tunnel") != std::string::npos, r2.err);
    BOOST_TEST(r2.err.find("proxy authentication required") != std::string::npos, r2.err);
    BOOST_TEST(r2.err.find("WRONG-pw-123") == std::string::npos);
    BOOST_TEST(read_file(dir / "report.csv").find("WRONG-pw-123") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_proxy_bypasses_the_proxy) {
    if (tinyproxy_bin().empty()) {
        BOOST_FAIL("tinyproxy is not installed (scripts/deps.sh installs it)");
        return;
    }
    tinyproxy proxy;
    sim_process sim({"--generate", "1:2"});
    temp_dir dir;
    auto m = manifest(dir, sim);
    auto r = apply_via(dir, sim.base_url(), m,
                       {{"HTTP_PROXY", proxy.url()}, {"NO_PROXY", "localhost,127.0.0.1"}});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(creates(sim) == 2);
    BOOST_TEST(proxy.log().find(std::to_string(sim.port())) == std::string::npos, proxy.log());
}

BOOST_AUTO_TEST_SUITE_END()
