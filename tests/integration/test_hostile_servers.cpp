// The real `cmbulk apply` against misbehaving servers started inside the test (hostile_server on
// 127.0.0.1:0): bodies over the limit, endless chunked bodies and headers, a one-byte-a-second
// drip, invalid JSON and wrong shapes in 2xx, Retry-After of a year or garbage, redirects to
// another host, servers that close every connection, that never ask for authentication or that
// ask for Basic. Every run must end in bounded time with an honest per-row outcome, never a crash.
#include <atomic>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cmbulk/report.hpp"
#include "cmbulk/sim/core.hpp"
#include "common/hostile_server.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;
using namespace std::chrono_literals;

namespace {

const std::string pub = "hostile-public";
const std::string priv = "HOSTILE-PRIVATE-KEY-7f3a9c2e";
constexpr auto run_bound = 60s;  // every run must end well within this

std::string project_id(int i) {
    std::string n = std::to_string(i);
    return "5f00000000000000000" + std::string(5 - n.size(), '0') + n;
}
std::string token(int i) { return "xoxb-hostile-" + std::to_string(1000 + i) + "-wxyz"; }

std::filesystem::path write_manifest(const temp_dir& dir, int rows) {
    std::string csv = "projectId,type,apiToken,teamName,channelName\n";
    for (int i = 0; i < rows; ++i) csv += project_id(i) + ",SLACK," + token(i) + ",team,#alerts\n";
    auto p = dir / "m.csv";
    write_file(p, csv);
    return p;
}

struct outcome_run {
    process_result proc;
    std::vector<cmbulk::report_row> rows;
};

/// Runs `cmbulk apply` with small timeouts against `base_url`; checks the run ended in time, did
/// not crash, and exited with the one status right for the case: 0 (every row done), 1 (a row
/// failed while the server answered) or 3 (the run stopped: no usable answer ever came, or the
/// credentials were refused).
outcome_run apply_manifest(const temp_dir& dir, const std::string& base_url,
                           const std::filesystem::path& manifest, std::vector<std::string> extra,
                           int expected_exit, const std::string& public_key = pub,
                           const std::string& private_key = priv) {
    std::vector<std::string> argv{cmbulk_bin(),
                                  "apply",
                                  manifest.string(),
                                  "--base-url",
                                  base_url,
                                  "--report",
                                  (dir / "report.csv").string(),
                                  "--checkpoint",
                                  (dir / "cp.jsonl").string(),
                                  "--progress",
                                  "plain"};
    // Small defaults that `extra` may override (an option may be given only once).
    std::map<std::string, std::string> defaults{{"--concurrency", "1"},
                                                {"--request-timeout", "2"},
                                                {"--connect-timeout", "2"},
                                                {"--max-attempts", "3"}};
    for (std::size_t i = 0; i + 1 < extra.size(); ++i) defaults.erase(extra[i]);
    for (auto& [k, v] : defaults) argv.insert(argv.end(), {k, v});
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = public_key;
    o.env["CMBULK_PRIVATE_KEY"] = private_key;
    o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(run_bound + 30s);
    outcome_run r;
    r.proc = run_process(argv, o);
    BOOST_TEST_INFO("stderr: " << r.proc.err);
    BOOST_TEST(!r.proc.timed_out);
    BOOST_TEST(r.proc.elapsed < run_bound);
    BOOST_TEST(r.proc.exit_code == expected_exit, "exit code " << r.proc.exit_code);
    std::error_code ec;
    if (std::filesystem::exists(dir / "report.csv", ec)) {
        std::string msg;
        auto rr = cmbulk::read_report(dir / "report.csv", std::nullopt, msg);
        BOOST_REQUIRE_MESSAGE(rr.has_value(), msg);
        r.rows = *rr;
    }
    BOOST_TEST_MESSAGE("exit " << r.proc.exit_code << " in " << r.proc.elapsed.count()
                               << " ms; stderr: " << r.proc.err);
    return r;
}

outcome_run apply(const temp_dir& dir, const std::string& base_url, int rows, int expected_exit,
                  std::vector<std::string> extra = {}) {
    return apply_manifest(dir, base_url, write_manifest(dir, rows), std::move(extra),
                          expected_exit);
}

/// The row failed, its detail holds `why`, and nothing secret reached the output.
void expect_failed(const outcome_run& r, const std::string& why) {
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "failed");
    BOOST_TEST(r.rows[0].detail.find(why) != std::string::npos,
               "detail '" << r.rows[0].detail << "' should mention '" << why << "'");
    BOOST_TEST(r.proc.out.find(priv) == std::string::npos);
    BOOST_TEST(r.proc.err.find(priv) == std::string::npos);
}

/// A server that stores what it is sent like the real API (for rows that should succeed):
/// GET shows the token masked to its last four, POST creates (409 if present), PUT updates.
struct fake_api {
    std::mutex mu;
    std::map<std::string, std::string> stored;  // project id -> token
    std::map<std::string, int> posts;

    std::string answer(const hostile_request& req) {
        std::lock_guard lock(mu);
        auto groups = req.target.find("/groups/");
        std::string project = groups == std::string::npos ? "" : req.target.substr(groups + 8, 24);
        if (req.method == "GET") {
            auto it = stored.find(project);
            if (it == stored.end())
                return http_response_text(
                    404,
                    R"({"error":404,"errorCode":"INTEGRATION_NOT_CONFIGURED","detail":"none"})");
            return http_response_text(200, R"({"type":"SLACK","apiToken":"******)" +
                                               it->second.substr(it->second.size() - 4) +
                                               R"(","teamName":"team","channelName":"#alerts"})");
        }
        auto body = boost::json::parse(req.body).as_object();
        std::string tok(body.at("apiToken").as_string());
        if (req.method == "POST") {
            ++posts[project];
            if (stored.count(project))
                return http_response_text(
                    409,
                    R"({"error":409,"errorCode":"INTEGRATION_ALREADY_CONFIGURED","detail":"exists"})");
        }
        stored[project] = tok;
        return http_response_text(200, R"([{"type":"SLACK"}])");
    }
};

/// The run succeeded, every one of `rows` rows is `created`, and the fake API stored each
/// project once from exactly one POST.
void expect_each_row_created_once(const outcome_run& r, fake_api& api, std::size_t rows) {
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_REQUIRE_EQUAL(r.rows.size(), rows);
    for (auto& row : r.rows) BOOST_TEST(cmbulk::to_string(row.result) == "created");
    std::lock_guard lock(api.mu);
    BOOST_TEST(api.stored.size() == rows);
    for (auto& [p, n] : api.posts) BOOST_TEST(n == 1, p << " got " << n << " POSTs");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_servers)

BOOST_AUTO_TEST_CASE(body_far_over_the_limit) {
    // Content-Length of a gigabyte, streamed until the client hangs up.
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            if (!c.write("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                         "Content-Length: 1000000000\r\n\r\n"))
                return;
            std::string chunk(64 * 1024, 'x');
            for (int i = 0; i < 16000 && c.write(chunk); ++i) {
            }
            return;
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 3, {"--body-limit", "4096"});
    expect_failed(r, "limit");
    BOOST_TEST(r.proc.err.find("limit") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(never_ending_chunked_body) {
    // Chunks forever (bounded by the client hanging up, the stop flag and 60 s): the default
    // 16 MiB body limit must end it.
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        if (!c.read_request(req)) return;
        if (!c.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"))
            return;
        std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
        auto until = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < until && c.write(chunk)) {
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 3, {"--request-timeout", "20"});
    expect_failed(r, "limit");
}

BOOST_AUTO_TEST_CASE(headers_that_never_end) {
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        if (!c.read_request(req)) return;
        if (!c.write("HTTP/1.1 200 OK\r\n")) return;
        auto until = std::chrono::steady_clock::now() + 60s;
        for (int i = 0; std::chrono::steady_clock::now() < until; ++i)
            if (!c.write("X-Junk-" + std::to_string(i) + ": " + std::string(100, 'j') + "\r\n"))
                return;
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 3);
    expect_failed(r, "malformed HTTP response");
}

BOOST_AUTO_TEST_CASE(slow_drip_one_byte_a_second) {
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            auto text = http_response_text(201, R"({"type":"SLACK"})");
            for (char ch : text) {
                if (!c.write(std::string_view(&ch, 1)) || !c.sleep(1s)) return;
            }
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 3, {"--request-timeout", "2", "--max-attempts", "2"});
    expect_failed(r, "no complete response within 2000 ms");
    // A create whose answer never came is read back (GET), never blindly re-POSTed.
    BOOST_TEST(r.rows[0].attempts >= 2);
}

BOOST_AUTO_TEST_CASE(invalid_json_in_a_2xx) {
    std::atomic<int> posts{0};
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            if (req.method == "POST") ++posts;
            if (!c.write(http_response_text(req.method == "POST" ? 201 : 200, "{\"type\": \"SLA")))
                return;
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 1);
    expect_failed(r, "non-JSON");
    BOOST_TEST(r.proc.exit_code == 1);
    // The create's outcome is unknown (the answer was unreadable): it is never resent.
    BOOST_TEST(posts.load() == 1);
    BOOST_TEST(r.rows[0].http_status == 200);
}

BOOST_AUTO_TEST_CASE(html_error_page_in_a_200) {
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req))
            if (!c.write(http_response_text(
                    200, "<html><head><title>Captive portal</title></head></html>", "text/html")))
                return;
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 1);
    expect_failed(r, "HTML");
}

BOOST_AUTO_TEST_CASE(wrong_shape_2xx_bodies_are_coped_with) {
    // The server answers every 2xx with JSON of the wrong shape (an array, a string); a create
    // does not need the body, so the row succeeds; an upsert's read finds "something" there.
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            std::string res = req.method == "GET"
                                  ? http_response_text(200, R"(["not","an","object"])")
                                  : http_response_text(200, R"("just a string")");
            if (!c.write(res)) return;
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 0);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "created");
    BOOST_TEST(r.proc.exit_code == 0);
    temp_dir dir2;
    auto u = apply(dir2, srv.base_url(), 1, 0, {"--action", "upsert"});
    BOOST_REQUIRE_EQUAL(u.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(u.rows[0].result) == "updated");
    BOOST_TEST(u.proc.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(error_body_of_the_wrong_shape) {
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req))
            if (!c.write(http_response_text(
                    400, R"({"error":"x","errorCode":[1,2],"detail":{"a":1},"reason":7})")))
                return;
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 1);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "failed");
    BOOST_TEST(r.rows[0].http_status == 400);
    BOOST_TEST(r.rows[0].attempts == 1);  // a 400 is final
    BOOST_TEST(r.proc.exit_code == 1);
}

BOOST_AUTO_TEST_CASE(retry_after_of_a_year_is_capped) {
    // First a 503 and a 429 that say "come back in a year", then the real API: with
    // --max-retry-after 2 the run must not wait more than a few seconds and the row succeeds.
    for (int status : {503, 429}) {
        BOOST_TEST_CONTEXT("status " << status) {
            fake_api api;
            std::atomic<int> n{0};
            hostile_server srv([&](hostile_connection& c) {
                hostile_request req;
                while (c.read_request(req)) {
                    std::string res =
                        n++ == 0 ? http_response_text(status, R"({"error":1})", "application/json",
                                                      "Retry-After: 31536000\r\n")
                                 : api.answer(req);
                    if (!c.write(res)) return;
                }
            });
            temp_dir dir;
            auto started = std::chrono::steady_clock::now();
            auto r = apply(dir, srv.base_url(), 1, 0, {"--max-retry-after", "2"});
            auto took = std::chrono::steady_clock::now() - started;
            BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
            BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "created");
            BOOST_TEST(r.proc.exit_code == 0);
            BOOST_TEST(took < 15s);
            BOOST_TEST(took >= 1500ms);  // the (capped) wait was honoured
        }
    }
}

BOOST_AUTO_TEST_CASE(retry_after_garbage_is_ignored) {
    for (std::string value :
         std::vector<std::string>{"soon, maybe", "-5", "99999999999999999999999",
                                  "Thu, 99 Foo 2024 99:99:99 GMT", std::string(2000, '9')}) {
        BOOST_TEST_CONTEXT("Retry-After: " << value.substr(0, 30)) {
            fake_api api;
            std::atomic<int> n{0};
            hostile_server srv([&](hostile_connection& c) {
                hostile_request req;
                while (c.read_request(req)) {
                    std::string res =
                        n++ == 0 ? http_response_text(429, R"({"error":429})", "application/json",
                                                      "Retry-After: " + value + "\r\n")
                                 : api.answer(req);
                    if (!c.write(res)) return;
                }
            });
            temp_dir dir;
            auto r = apply(dir, srv.base_url(), 1, 0, {"--max-retry-after", "3"});
            BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
            BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "created");
            BOOST_TEST(r.proc.exit_code == 0);
            BOOST_TEST(r.proc.elapsed < 15s);
        }
    }
}

BOOST_AUTO_TEST_CASE(redirect_to_another_host_is_never_followed) {
    // The second server stands for "another host": it must never see a connection.
    hostile_server other([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req))
            if (!c.write(http_response_text(201, "{}"))) return;
    });
    for (int status : {301, 302, 307, 308}) {
        BOOST_TEST_CONTEXT("status " << status) {
            hostile_server srv([&](hostile_connection& c) {
                hostile_request req;
                while (c.read_request(req))
                    if (!c.write(http_response_text(
                            status, "", "",
                            "Location: http://localhost:" + std::to_string(other.port()) +
                                req.target + "\r\n")))
                        return;
            });
            temp_dir dir;
            auto r = apply(dir, srv.base_url(), 1, 1);
            expect_failed(r, "redirect");
            BOOST_TEST(r.rows[0].http_status == status);
            BOOST_TEST(r.rows[0].attempts == 1);
            BOOST_TEST(r.proc.exit_code == 1);
        }
    }
    BOOST_TEST(other.connections() == 0);
}

BOOST_AUTO_TEST_CASE(server_closes_every_connection_after_one_response) {
    // Twice: once saying "Connection: close", once just hanging up. 20 rows, 2 workers; every
    // row lands exactly once.
    for (bool say_close : {true, false}) {
        BOOST_TEST_CONTEXT("Connection: close header " << say_close) {
            fake_api api;
            hostile_server srv([&](hostile_connection& c) {
                hostile_request req;
                if (!c.read_request(req)) return;
                auto res = api.answer(req);
                if (say_close) res.insert(res.find("\r\n") + 2, "Connection: close\r\n");
                c.write(res);
            });
            temp_dir dir;
            auto r =
                apply(dir, srv.base_url(), 20, 0, {"--concurrency", "2", "--max-attempts", "5"});
            expect_each_row_created_once(r, api, 20);
            BOOST_TEST(srv.connections() >= 20);
        }
    }
}

BOOST_AUTO_TEST_CASE(server_that_hangs_up_late_after_every_response) {
    // The server answers, waits 50 ms, then closes without "Connection: close": the client's
    // next request on that connection always goes out before the hang-up and dies unanswered.
    // (In CI under load this race made a row fail after --max-attempts.) After two such deaths
    // a worker stops reusing connections: every row lands once, and each worker pays at most
    // two lost POSTs and their read-backs.
    fake_api api;
    std::atomic<int> requests{0};
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        if (!c.read_request(req)) return;
        ++requests;
        c.write(api.answer(req));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 20, 0, {"--concurrency", "2", "--max-attempts", "3"});
    expect_each_row_created_once(r, api, 20);
    // 20 POSTs, plus per worker (2) at most two unanswered POSTs and two GETs to read them back.
    BOOST_TEST(requests.load() <= 28);
}

BOOST_AUTO_TEST_CASE(server_that_never_asks_for_authentication) {
    // No challenge at all: the client just gets its answers; it never volunteers credentials,
    // and the private key never crosses the wire.
    fake_api api;
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req))
            if (!c.write(api.answer(req))) return;
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 3, 0);
    BOOST_TEST(r.proc.exit_code == 0);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 3u);
    for (auto& row : r.rows) BOOST_TEST(cmbulk::to_string(row.result) == "created");
    srv.stop();
    auto wire = srv.all_received();
    BOOST_TEST(wire.find("POST ") != std::string::npos);
    BOOST_TEST(wire.find(priv) == std::string::npos);
    BOOST_TEST(wire.find("Authorization") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(basic_challenge_gets_no_credentials) {
    // A server asking for Basic auth would get the key in clear: the client must refuse.
    hostile_server srv([](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req))
            if (!c.write(
                    http_response_text(401, R"({"error":401})", "application/json",
                                       "WWW-Authenticate: Basic realm=\"give me your key\"\r\n")))
                return;
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 1, 3);
    BOOST_TEST(r.proc.exit_code == 3);
    srv.stop();
    auto wire = srv.all_received();
    BOOST_TEST(wire.find(priv) == std::string::npos);
    BOOST_TEST(wire.find("Basic") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_project_the_key_cannot_reach_fails_only_its_row) {
    // The live service answers a right key on another organization's project with 401 and a
    // fresh challenge, like a wrong key (api-facts.md). Once the key was answered, that is the
    // row's `no-access`; before, it stops the run.
    fake_api api;
    std::atomic<int> nonce{0};
    const std::string refused = project_id(2);
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            bool authorized = !req.header("Authorization").empty();
            std::string text;
            if (!authorized || req.target.find(refused) != std::string::npos)
                text = http_response_text(
                    401, R"({"error":401,"reason":"Unauthorized","detail":"not authorized"})",
                    "application/json",
                    "WWW-Authenticate: Digest realm=\"MMS Public API\", domain=\"\", nonce=\"n" +
                        std::to_string(++nonce) +
                        "\", algorithm=MD5, qop=\"auth\", stale=false\r\n");
            else
                text = api.answer(req);
            if (!c.write(text)) return;
        }
    });
    temp_dir dir;
    auto r = apply(dir, srv.base_url(), 5, 1);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 5u);
    int created = 0;
    for (auto& row : r.rows) {
        if (row.project_id == refused) {
            BOOST_TEST(cmbulk::to_string(row.result) == "no-access");
            BOOST_TEST(
                row.detail.find("cannot reach project " + refused + ": check") != std::string::npos,
                row.detail);
        } else {
            created += cmbulk::to_string(row.result) == "created";
        }
    }
    BOOST_TEST(created == 4);
    // The refused project first: before any answer a wrong key and a project out of reach look
    // alike; one read of the key's project list tells them apart, so the row is no-access and
    // the other row is created (exit 1), where a wrong key would stop the run.
    temp_dir first;
    std::string csv = "projectId,type,apiToken,teamName,channelName\n" + refused + ",SLACK," +
                      token(2) + ",team,#alerts\n" + project_id(7) + ",SLACK," + token(7) +
                      ",team,#alerts\n";
    write_file(first / "m.csv", csv);
    auto s = apply_manifest(first, srv.base_url(), first / "m.csv", {}, 1);
    BOOST_REQUIRE_EQUAL(s.rows.size(), 2u);
    BOOST_TEST(cmbulk::to_string(s.rows[0].result) == "no-access");
    BOOST_TEST(cmbulk::to_string(s.rows[1].result) == "created");
    srv.stop();
    BOOST_TEST(srv.all_received().find(priv) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(endless_stale_digest_challenges) {
    // Every answer is a fresh "stale" challenge: the client must give up in a bounded number of
    // requests instead of looping.
    std::atomic<int> requests{0};
    hostile_server srv([&](hostile_connection& c) {
        hostile_request req;
        while (c.read_request(req)) {
            int n = ++requests;
            if (!c.write(http_response_text(
                    401, R"({"error":401})", "application/json",
                    "WWW-Authenticate: Digest realm=\"MMS Public API\", domain=\"\", nonce=\"n" +
                        std::to_string(n) + "\", algorithm=MD5, qop=\"auth\", stale=true\r\n")))
                return;
        }
    });
    temp_dir dir;
    // The stale 401 that ended the call is an answer: the row fails, the run goes on (exit 1).
    auto r = apply(dir, srv.base_url(), 1, 1);
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "failed");
    BOOST_TEST(requests.load() < 40);
    srv.stop();
    BOOST_TEST(srv.all_received().find(priv) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sim_stall_and_truncate_faults) {
    // cmbulk-sim's own faults: every request stalls (or is truncated); bounded failure.
    for (std::string fault : {"stall=1", "truncate=1"}) {
        BOOST_TEST_CONTEXT("--fault " << fault) {
            sim_process sim({"--generate", "1:1", "--fault", fault, "--stall-cap", "10"});
            temp_dir dir;
            auto state = boost::json::parse(http_request(sim.port(), "GET", "/__sim/state").body);
            std::string id(state.at("orgs").at(0).at("projects").at(0).at("id").as_string());
            write_file(dir / "sim.csv", "projectId,type,apiToken,teamName,channelName\n" + id +
                                            ",SLACK," + token(0) + ",team,#alerts\n");
            // No answer ever arrives whole: the server is unreachable, the run stops.
            auto r = apply_manifest(dir, sim.base_url(), dir / "sim.csv", {"--max-attempts", "2"},
                                    3, std::string(cmbulk::sim::generated_public_key),
                                    std::string(cmbulk::sim::generated_private_key));
            BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
            BOOST_TEST(cmbulk::to_string(r.rows[0].result) == "failed");
            BOOST_TEST(!r.rows[0].detail.empty());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
