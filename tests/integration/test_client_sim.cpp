// Integration tests of the client's api layer against the real cmbulk-sim binary (seeded with
// samples/sim-seed.json): create/get/update/delete with their statuses and error codes, one
// digest challenge per session (checked in the simulator's request log), a wrong key, a stale
// nonce, OAuth service accounts, project listing and the Atlas v2 flavor.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/api.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const std::string sandbox = "5e2211c17a3e5a48f5497de7";  // seed project without integrations
const std::string acme_org = "5e2211c17a3e5a48f5497de3";
const std::string atlas_sandbox = "6a1b2c3d4e5f60718293a4b3";  // the seed's Atlas org
const std::string demo_public = "demo", demo_private = "3f1c8e2a-7b6d-4c5e-9a0f-1d2e3c4b5a69";

std::string seed() { return (test::source_dir() / "samples" / "sim-seed.json").string(); }

template <class F>
void run(asio::io_context& ioc, F body, std::chrono::milliseconds limit = 20s) {
    bool done = false;
    std::exception_ptr error;
    ioc.restart();
    asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
        done = true;
        error = e;
        ioc.stop();
    });
    ioc.run_for(limit);
    BOOST_REQUIRE_MESSAGE(done, "the test coroutine did not finish in time");
    if (error) std::rethrow_exception(error);
}

api_config keys_config(const test::sim_process& sim, std::string priv = demo_private) {
    api_config c;
    c.base_url = sim.base_url();
    c.creds.public_key = demo_public;
    c.creds.private_key = std::move(priv);
    c.connect_timeout = 5000ms;
    c.request_timeout = 5000ms;
    return c;
}

boost::json::array request_log(const test::sim_process& sim) {
    return boost::json::parse(test::http_request(sim.port(), "GET", "/__sim/requests").body)
        .as_array();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_sim)

BOOST_AUTO_TEST_CASE(create_get_update_delete) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    api_client client(ioc.get_executor(), keys_config(sim), gate);
    auto s = client.make_session();
    api_call_result missing, created, again, got, updated, deleted, gone;
    run(ioc, [&]() -> asio::awaitable<void> {
        missing = co_await s->get_integration(sandbox, "PAGER_DUTY");
        // PagerDuty keys are 32 hexadecimal digits: the server checks them (api-facts.md).
        boost::json::object f;
        f["serviceKey"] = "00000000000000000000000000006789";
        created = co_await s->create_integration(sandbox, "PAGER_DUTY", f);
        again = co_await s->create_integration(sandbox, "PAGER_DUTY", f);
        got = co_await s->get_integration(sandbox, "PAGER_DUTY");
        f["serviceKey"] = "00000000000000000000009876543210";
        f["region"] = "EU";
        updated = co_await s->update_integration(sandbox, "PAGER_DUTY", f);
        deleted = co_await s->delete_integration(sandbox, "PAGER_DUTY");
        gone = co_await s->get_integration(sandbox, "PAGER_DUTY");
    });
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.error_code == "INTEGRATION_NOT_CONFIGURED");
    BOOST_TEST(missing.requests_sent == 2);  // the challenge
    BOOST_TEST(created.status == 200);
    BOOST_TEST(created.requests_sent == 1);
    BOOST_TEST(again.status == 409);
    BOOST_TEST(again.error_code == "INTEGRATION_ALREADY_CONFIGURED");
    BOOST_TEST(got.status == 200);
    BOOST_REQUIRE(got.body.is_object());
    BOOST_TEST(got.body.as_object().at("type").as_string() == "PAGER_DUTY");
    auto masked = std::string(got.body.as_object().at("serviceKey").as_string());
    BOOST_TEST(masked == std::string(28, '*') + "6789");  // length kept, last four shown
    BOOST_TEST(updated.status == 200);
    BOOST_TEST((deleted.status == 200 || deleted.status == 204));
    BOOST_TEST(gone.status == 404);
    for (auto* r : {&missing, &created, &again, &got, &updated, &deleted, &gone})
        BOOST_TEST((r->failure == attempt_failure::none));

    // 7 calls, one challenge: 8 requests reached the simulator (admin calls are not logged
    // as API requests, or are filtered out here by path).
    int api_requests = 0;
    for (auto& e : request_log(sim)) {
        auto path = std::string(e.as_object().at("path").as_string());
        if (path.starts_with("/api/")) ++api_requests;
    }
    BOOST_TEST(api_requests == 8);
    BOOST_TEST(s->connections_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_key_costs_two_requests) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    api_client client(ioc.get_executor(), keys_config(sim, "not-the-right-private-key"), gate);
    auto s = client.make_session();
    api_call_result r;
    run(ioc, [&]() -> asio::awaitable<void> { r = co_await s->get_integration(sandbox, "SLACK"); });
    BOOST_TEST(r.auth_failed);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.requests_sent == 2);
    BOOST_TEST(request_log(sim).size() == 2u);
    BOOST_TEST(r.detail.find("not-the-right") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(expired_nonce_is_followed) {
    test::sim_process sim({"--seed", seed(), "--nonce-lifetime", "1"});
    asio::io_context ioc;
    open_gate gate;
    api_client client(ioc.get_executor(), keys_config(sim), gate);
    auto s = client.make_session();
    api_call_result first, later;
    run(ioc, [&]() -> asio::awaitable<void> {
        first = co_await s->get_integration(sandbox, "SLACK");
        asio::steady_timer t(ioc, 2200ms);
        co_await t.async_wait(asio::use_awaitable);
        later = co_await s->get_integration(sandbox, "SLACK");
    });
    BOOST_TEST(first.status == 404);
    BOOST_TEST(later.status == 404);
    BOOST_TEST(!later.auth_failed);
    BOOST_TEST(later.requests_sent == 2);  // stale nonce, then the new one
}

BOOST_AUTO_TEST_CASE(service_account_and_project_listing) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    api_config cfg;
    cfg.base_url = sim.base_url();
    cfg.creds.client_id = "mdb_sa_id_5e2211c17a3e5a48f5497de3";
    cfg.creds.client_secret = "mdb_sa_sk_demo-0123456789abcdef";
    api_client client(ioc.get_executor(), cfg, gate);
    auto s1 = client.make_session();
    auto s2 = client.make_session();
    api_call_result a, b, projects;
    run(ioc, [&]() -> asio::awaitable<void> {
        a = co_await s1->get_integration(sandbox, "SLACK");
        b = co_await s2->get_integration(sandbox, "SLACK");
        projects = co_await s2->list_projects_page(acme_org, 1, 2);
    });
    BOOST_TEST(a.status == 404);
    BOOST_TEST(a.requests_sent == 2);  // the token, then the call
    BOOST_TEST(b.status == 404);
    BOOST_TEST(b.requests_sent == 1);  // the cached token
    BOOST_TEST(client.token_requests() == 1u);
    BOOST_TEST(projects.status == 200);
    BOOST_REQUIRE(projects.body.is_object());
    BOOST_TEST(projects.body.as_object().at("totalCount").as_int64() == 4);
    BOOST_TEST(projects.body.as_object().at("results").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(atlas_flavor) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    // The seed's Atlas org and its own key (a Cloud Manager project is not on the Atlas bases).
    auto cfg = keys_config(sim);
    cfg.creds.public_key = "initech-owner";
    cfg.creds.private_key = "initech-private-0123456789abcdef";
    cfg.api_flavor = flavor::atlas;
    api_client client(ioc.get_executor(), cfg, gate);
    auto s = client.make_session();
    api_call_result created, deleted;
    run(ioc, [&]() -> asio::awaitable<void> {
        boost::json::object f;
        f["apiKey"] = "0123456789abcdef0123456789abcdef";
        f["region"] = "US";
        created = co_await s->create_integration(atlas_sandbox, "DATADOG", f);
        deleted = co_await s->delete_integration(atlas_sandbox, "DATADOG");
    });
    BOOST_TEST(created.status == 200);
    BOOST_TEST(deleted.status == 204);
    bool saw_v2 = false;
    for (auto& e : request_log(sim))
        if (std::string(e.as_object().at("path").as_string()).starts_with("/api/atlas/v2/"))
            saw_v2 = true;
    BOOST_TEST(saw_v2);
}

BOOST_AUTO_TEST_CASE(atlas_v1_flavor_uses_its_own_base) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    auto cfg = keys_config(sim);
    cfg.creds.public_key = "initech-owner";
    cfg.creds.private_key = "initech-private-0123456789abcdef";
    cfg.api_flavor = flavor::atlas_v1;
    api_client client(ioc.get_executor(), cfg, gate);
    auto s = client.make_session();
    api_call_result created, deleted;
    run(ioc, [&]() -> asio::awaitable<void> {
        boost::json::object f;
        f["apiKey"] = "0123456789abcdef0123456789abcdef";
        created = co_await s->create_integration(atlas_sandbox, "DATADOG", f);
        deleted = co_await s->delete_integration(atlas_sandbox, "DATADOG");
    });
    BOOST_TEST(created.status == 200);
    BOOST_TEST(deleted.status == 200);  // v1.0 answers 200, v2 204
    std::size_t on_v1 = 0;
    for (auto& e : request_log(sim))
        on_v1 += std::string(e.as_object().at("path").as_string()).starts_with("/api/atlas/v1.0/");
    BOOST_TEST(on_v1 >= 2u);
}

// What the client sees when its (right) key reaches another org's project: the wrong key's 401
// with a fresh challenge (api-facts.md); the client's handling of it is the runner's.
BOOST_AUTO_TEST_CASE(another_orgs_project_answers_401) {
    test::sim_process sim({"--seed", seed()});
    asio::io_context ioc;
    open_gate gate;
    auto cfg = keys_config(sim);
    cfg.creds.public_key = "acme-owner";
    cfg.creds.private_key = "acme-private-0123456789abcdef";
    api_client client(ioc.get_executor(), cfg, gate);
    auto s = client.make_session();
    api_call_result own, other;
    run(ioc, [&]() -> asio::awaitable<void> {
        own = co_await s->get_integration(sandbox, "SLACK");
        other = co_await s->get_integration("5f3a9b0c1d2e3f4a5b6c7d82", "SLACK");
    });
    BOOST_TEST(own.status == 404);
    BOOST_TEST(other.status == 401);
    BOOST_TEST(other.error_code == "UNEXPECTED_ERROR");
}

BOOST_AUTO_TEST_SUITE_END()
