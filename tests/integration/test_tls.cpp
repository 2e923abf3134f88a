// TLS as `cmbulk apply` sees it: certificates made at test time with the openssl CLI (a test CA
// and a good server certificate, a self-signed one, one from another CA, one for the wrong host
// name, an expired one), each served by cmbulk-sim --tls-cert/--tls-key on 127.0.0.1. All but the
// good one are refused by default with a message saying why; --cacert makes the good one work,
// --insecure works and warns. Also: credentials over plain http to a non-loopback host are
// refused before any connection is made.
#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string project = "6a0000000000000000000a01";
const std::string pub = "tls-public";
const std::string priv = "TLS-PRIVATE-KEY-51c0ffee";

std::string seed_json() {
    return R"({"orgs":[{"id":"6a0000000000000000000001","name":"tls org","projects":[{"id":")" +
           project + R"(","name":"p","integrations":[]}]}],"apiKeys":[{"publicKey":")" + pub +
           R"(","privateKey":")" + priv +
           R"(","orgIds":["6a0000000000000000000001"]}],"serviceAccounts":[]})";
}

void openssl(const std::vector<std::string>& args, const fs::path& cwd) {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (auto p : {"/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"})
        if (fs::exists(p)) argv[0] = p;
    run_options o;
    o.cwd = cwd;
    o.timeout = 60s;
    auto r = run_process(argv, o);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "openssl " << args[0] << " failed: " << r.err);
}

const char* const san_localhost =
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
    "extendedKeyUsage=serverAuth\n";

/// Every certificate of the suite, made once per test run in one directory.
struct cert_set {
    temp_dir dir;
    fs::path ca, other_ca;
    cert_set() {
        auto d = dir.path();
        auto key = std::vector<std::string>{"-newkey", "ec", "-pkeyopt",
                                            "ec_paramgen_curve:prime256v1", "-nodes"};
        auto ca_req = [&](const std::string& name) {
            std::vector<std::string> a{"req", "-x509"};
            a.insert(a.end(), key.begin(), key.end());
            a.insert(a.end(),
                     {"-keyout", name + ".key", "-out", name + ".pem", "-subj", "/CN=" + name,
                      "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                      "keyUsage=critical,keyCertSign,cRLSign"});
            openssl(a, d);
        };
        ca_req("test-ca");
        ca_req("other-ca");
        ca = d / "test-ca.pem";
        other_ca = d / "other-ca.pem";
        write_file(d / "ext-good.cnf", san_localhost);
        write_file(d / "ext-wrong.cnf",
                   "subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage="
                   "serverAuth\n");
        auto csr = [&](const std::string& name, const std::string& cn) {
            std::vector<std::string> a{"req"};
            a.insert(a.end(), key.begin(), key.end());
            a.insert(a.end(),
                     {"-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn});
            openssl(a, d);
        };
        auto sign = [&](const std::string& name, const std::string& issuer,
                        const std::string& ext) {
            openssl({"x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey",
                     issuer + ".key", "-set_serial", "0x" + std::to_string(1000 + name.size()),
                     "-out", name + ".pem", "-days", "2", "-extfile", ext},
                    d);
        };
        csr("good", "localhost");
        sign("good", "test-ca", "ext-good.cnf");
        csr("wrong-host", "wrong.example");
        sign("wrong-host", "test-ca", "ext-wrong.cnf");
        csr("other", "localhost");
        sign("other", "other-ca", "ext-good.cnf");
        // Self-signed, for the right name.
        {
            std::vector<std::string> a{"req", "-x509"};
            a.insert(a.end(), key.begin(), key.end());
            a.insert(a.end(),
                     {"-keyout", "self.key", "-out", "self.pem", "-subj", "/CN=localhost", "-days",
                      "2", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
            openssl(a, d);
        }
        // Expired: `openssl ca` takes explicit start and end dates (x509 -days cannot go back).
        csr("expired", "localhost");
        fs::create_directories(d / "db");
        write_file(d / "db" / "index.txt", "");
        write_file(d / "db" / "serial", "01\n");
        write_file(d / "ca.cnf",
                   "[ca]\ndefault_ca = d\n[d]\ndatabase = db/index.txt\nserial = db/serial\n"
                   "new_certs_dir = db\ndefault_md = sha256\npolicy = p\nunique_subject = no\n"
                   "[p]\ncommonName = supplied\n[ext]\n" +
                       std::string(san_localhost));
        openssl({"ca", "-batch", "-config", "ca.cnf", "-cert", "test-ca.pem", "-keyfile",
                 "test-ca.key", "-in", "expired.csr", "-out", "expired.pem", "-startdate",
                 "20200101000000Z", "-enddate", "20200102000000Z", "-extensions", "ext", "-notext"},
                d);
    }
    fs::path cert(const std::string& name) const { return dir / (name + ".pem"); }
    fs::path key(const std::string& name) const { return dir / (name + ".key"); }
};

cert_set& certs() {
    static cert_set c;
    return c;
}

struct tls_run {
    process_result proc;
    std::vector<cmbulk::report_row> rows;
    bool checkpoint_created = false;  ///< the run left its checkpoint file behind
    bool report_created = false;
};

/// `cmbulk apply` of one Slack row against `url` with `extra` options.
tls_run apply(const std::string& url, std::vector<std::string> extra) {
    temp_dir dir;
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName,channelName\n" + project +
                                  ",SLACK,xoxb-tls-0001-abcd,team,#alerts\n");
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  (dir / "m.csv").string(),
                                  "--base-url",
                                  url,
                                  "--report",
                                  (dir / "r.csv").string(),
                                  "--checkpoint",
                                  (dir / "c.jsonl").string(),
                                  "--progress",
                                  "plain",
                                  "--concurrency",
                                  "1",
                                  "--max-attempts",
                                  "2",
                                  "--connect-timeout",
                                  "5",
                                  "--request-timeout",
                                  "5"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.timeout = 90s;
    tls_run r;
    r.proc = run_process(argv, o);
    BOOST_TEST_MESSAGE("exit " << r.proc.exit_code << " in " << r.proc.elapsed.count()
                               << " ms; stderr: " << r.proc.err);
    BOOST_TEST(!r.proc.timed_out);
    BOOST_TEST(r.proc.elapsed < 60s);
    std::error_code ec;
    r.checkpoint_created = fs::exists(dir / "c.jsonl", ec);
    r.report_created = fs::exists(dir / "r.csv", ec);
    if (r.report_created) {
        std::string msg;
        auto rows = cmbulk::read_report(dir / "r.csv", std::nullopt, msg);
        BOOST_REQUIRE_MESSAGE(rows.has_value(), msg);
        r.rows = *rows;
    }
    BOOST_TEST(r.proc.err.find(priv) == std::string::npos);
    BOOST_TEST(r.proc.out.find(priv) == std::string::npos);
    return r;
}

/// A cmbulk-sim serving `name`'s certificate.
std::unique_ptr<sim_process> tls_sim(const std::string& name, const temp_dir& dir) {
    write_file(dir / "seed.json", seed_json());
    return std::make_unique<sim_process>(std::vector<std::string>{
        "--seed", (dir / "seed.json").string(), "--tls-cert", certs().cert(name).string(),
        "--tls-key", certs().key(name).string()});
}

/// The run was refused because of the certificate: exit 3 (server unreachable), the row failed,
/// and stderr and the report say why.
void expect_refused(const tls_run& r, const std::string& why) {
    BOOST_TEST(r.proc.exit_code == 3);
    BOOST_TEST(r.proc.err.find("TLS handshake failed") != std::string::npos,
               "stderr: " << r.proc.err);
    BOOST_TEST(r.proc.err.find(why) != std::string::npos,
               "stderr should say '" << why << "': " << r.proc.err);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "failed");
    BOOST_TEST(r.rows[0].detail.find(why) != std::string::npos, "detail: " << r.rows[0].detail);
}

std::string https(const sim_process& s, const std::string& host = "localhost") {
    return "https://" + host + ":" + std::to_string(s.port());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(good_certificate_via_cacert_works) {
    temp_dir d;
    auto sim = tls_sim("good", d);
    for (std::string host : {"localhost", "127.0.0.1"}) {
        BOOST_TEST_CONTEXT("host " << host) {
            auto r =
                apply(https(*sim, host), {"--cacert", certs().ca.string(), "--action", "upsert"});
            BOOST_TEST(r.proc.exit_code == 0);
            BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
            auto res = std::string(cmbulk::to_string(r.rows[0].result));
            BOOST_TEST((res == "created" || res == "updated"), res);
            BOOST_TEST(r.proc.err.find("warning") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(good_certificate_refused_without_its_ca) {
    // The system trust store does not know the test CA.
    temp_dir d;
    auto sim = tls_sim("good", d);
    expect_refused(apply(https(*sim), {}), "unable to get local issuer certificate");
}

BOOST_AUTO_TEST_CASE(self_signed_refused) {
    temp_dir d;
    auto sim = tls_sim("self", d);
    expect_refused(apply(https(*sim), {}), "self-signed certificate");
    expect_refused(apply(https(*sim), {"--cacert", certs().ca.string()}),
                   "self-signed certificate");
}

BOOST_AUTO_TEST_CASE(another_ca_refused) {
    temp_dir d;
    auto sim = tls_sim("other", d);
    expect_refused(apply(https(*sim), {"--cacert", certs().ca.string()}),
                   "unable to get local issuer certificate");
}

BOOST_AUTO_TEST_CASE(wrong_host_name_refused) {
    temp_dir d;
    auto sim = tls_sim("wrong-host", d);
    expect_refused(apply(https(*sim), {"--cacert", certs().ca.string()}), "mismatch");
    expect_refused(apply(https(*sim, "127.0.0.1"), {"--cacert", certs().ca.string()}), "mismatch");
}

BOOST_AUTO_TEST_CASE(expired_refused) {
    temp_dir d;
    auto sim = tls_sim("expired", d);
    expect_refused(apply(https(*sim), {"--cacert", certs().ca.string()}),
                   "certificate has expired");
}

BOOST_AUTO_TEST_CASE(insecure_works_and_warns) {
    for (std::string name : {"self", "expired", "wrong-host"}) {
        BOOST_TEST_CONTEXT("certificate " << name) {
            temp_dir d;
            auto sim = tls_sim(name, d);
            auto r = apply(https(*sim), {"--insecure", "--action", "upsert"});
            BOOST_TEST(r.proc.exit_code == 0);
            BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
            auto res = std::string(cmbulk::to_string(r.rows[0].result));
            BOOST_TEST((res == "created" || res == "updated"), res);
            BOOST_TEST(r.proc.err.find("warning: --insecure") != std::string::npos,
                       "stderr: " << r.proc.err);
        }
    }
}

BOOST_AUTO_TEST_CASE(unreadable_cacert_is_a_usage_error) {
    temp_dir d;
    auto sim = tls_sim("good", d);
    auto r = apply(https(*sim), {"--cacert", (d / "missing.pem").string()});
    // A setup mistake: exit 2 before any file is created or any request sent.
    BOOST_TEST(r.proc.exit_code == 2);
    BOOST_TEST(r.proc.err.find("missing.pem") != std::string::npos, "stderr: " << r.proc.err);
    BOOST_TEST(r.proc.err.find("internal error") == std::string::npos, "stderr: " << r.proc.err);
    BOOST_TEST(!r.checkpoint_created);
    BOOST_TEST(!r.report_created);

    // The same for plan and audit (audit used to create its checkpoint first).
    temp_dir dir;
    write_file(dir / "m.csv", "projectId,type,apiToken,teamName\n" + project + ",SLACK,x,t\n");
    write_file(dir / "p.csv", "projectId\n" + project + "\n");
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = pub;
    o.env["CMBULK_PRIVATE_KEY"] = priv;
    o.timeout = 60s;
    auto missing = (d / "missing.pem").string();
    auto plan = run_process({cmbulk_bin(), "plan", (dir / "m.csv").string(), "--base-url",
                             https(*sim), "--cacert", missing},
                            o);
    BOOST_TEST(plan.exit_code == 2, plan.err);
    BOOST_TEST(plan.err.find("missing.pem") != std::string::npos, plan.err);
    auto audit =
        run_process({cmbulk_bin(), "audit", "--projects", (dir / "p.csv").string(), "--base-url",
                     https(*sim), "--cacert", missing, "--report", (dir / "a.csv").string()},
                    o);
    BOOST_TEST(audit.exit_code == 2, audit.err);
    BOOST_TEST(audit.err.find("missing.pem") != std::string::npos, audit.err);
    std::error_code ec;
    BOOST_TEST(!fs::exists(dir / "a.checkpoint.jsonl", ec));
    BOOST_TEST(!fs::exists(dir / "a.csv", ec));
}

BOOST_AUTO_TEST_CASE(credentials_over_plain_http_to_a_remote_host_refused) {
    // 192.0.2.1 (TEST-NET-1) and a DNS name are never contacted: the refusal comes first.
    for (std::string url :
         {"http://192.0.2.1", "http://192.0.2.1:8080", "http://cloud.example.invalid"}) {
        BOOST_TEST_CONTEXT(url) {
            auto r = apply(url, {});
            BOOST_TEST(r.proc.exit_code == 2);
            BOOST_TEST(r.proc.elapsed < 1s);
            BOOST_TEST(r.proc.err.find("plain http") != std::string::npos,
                       "stderr: " << r.proc.err);
            BOOST_TEST(r.rows.empty());
        }
    }
    // Loopback is fine without --allow-http (nothing listens on this port: exit 3, not 2).
    for (std::string url : {"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"}) {
        BOOST_TEST_CONTEXT(url) {
            auto r = apply(url, {});
            BOOST_TEST(r.proc.exit_code == 3);
            BOOST_TEST(r.proc.err.find("plain http") == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
