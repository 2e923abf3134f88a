// Integration tests of the client's network layers (http, auth, api) against a purpose-built
// Beast server inside the test, on 127.0.0.1:0 and the same single-threaded io_context: digest
// challenge / nonce reuse / stale / wrong key, timeouts, body limit, resets, HTML 503, Connection:
// close, rate-limit headers, TLS with a self-signed certificate, OAuth client credentials.
#include <boost/test/unit_test.hpp>

#include "fake_server.hpp"

using namespace fake_server_test;

BOOST_AUTO_TEST_SUITE(client_fake_server)

BOOST_AUTO_TEST_CASE(one_challenge_then_nonce_reuse) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv), gate);
    auto session = client.make_session();
    std::vector<api_call_result> results;
    run(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i)
            results.push_back(co_await session->get_integration(group, "SLACK"));
    });
    BOOST_REQUIRE_EQUAL(results.size(), 5u);
    for (std::size_t i = 0; i < results.size(); ++i) {
        BOOST_TEST_CONTEXT("call " << i) {
            BOOST_TEST((results[i].failure == attempt_failure::none));
            BOOST_TEST(results[i].status == 200);
            BOOST_TEST(results[i].requests_sent == (i == 0 ? 2 : 1));
            BOOST_TEST(results[i].body.is_object());
        }
    }
    BOOST_TEST(srv.requests == 6);  // N calls cost N+1 requests
    BOOST_TEST(srv.challenges == 1);
    BOOST_TEST(srv.connections == 1);
    BOOST_TEST(srv.nc_violations == 0);
    BOOST_TEST(gate.before == 6);
    BOOST_TEST(gate.statuses.size() == 6u);
    BOOST_TEST(gate.statuses.front() == 401);
    BOOST_TEST(session->connections_opened() == 1u);
    // The request line and headers.
    BOOST_TEST(srv.log.back().target == "/api/public/v1.0/groups/" + group + "/integrations/SLACK");
    BOOST_TEST(srv.log.back().accept == "application/json");
    BOOST_TEST(srv.log.back().user_agent.find("cmbulk/") == 0u);
    BOOST_TEST(srv.log.front().authorization.empty());
    BOOST_TEST(srv.log.back().authorization.find("nc=00000005") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stale_nonce_is_followed_transparently) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv), gate);
    auto session = client.make_session();
    api_call_result first, stale;
    run(ioc, [&]() -> asio::awaitable<void> {
        first = co_await session->get_integration(group, "SLACK");
        srv.stale_next = true;
        stale = co_await session->get_integration(group, "SLACK");
    });
    BOOST_TEST(first.status == 200);
    BOOST_TEST(stale.status == 200);
    BOOST_TEST(!stale.auth_failed);
    BOOST_TEST(stale.requests_sent == 2);
    BOOST_TEST(srv.stale_sent == 1);
    BOOST_TEST(srv.challenges == 1);
    BOOST_TEST(srv.requests == 4);
}

BOOST_AUTO_TEST_CASE(wrong_key_fails_definitively_with_two_requests) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv, "wrong-SECRET-key"), gate);
    auto session = client.make_session();
    api_call_result r;
    run(ioc,
        [&]() -> asio::awaitable<void> { r = co_await session->get_integration(group, "SLACK"); });
    BOOST_TEST(r.auth_failed);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.requests_sent == 2);
    BOOST_TEST(srv.requests == 2);
    BOOST_TEST(r.detail.find("wrong-SECRET") == std::string::npos);
    BOOST_TEST(r.detail.find("response=") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(stall_times_out_then_a_fresh_connection_works) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    auto cfg = digest_config(srv);
    cfg.request_timeout = 300ms;
    api_client client(ioc.get_executor(), cfg, gate);
    auto session = client.make_session();
    bool stall = true;
    srv.handler = [&](const http::request<http::string_body>&) {
        reply r = make_reply(http::status::ok, "{}");
        if (stall) r.what = reply::kind::stall;
        return r;
    };
    api_call_result timed_out, after;
    std::chrono::steady_clock::duration took{};
    run(ioc, [&]() -> asio::awaitable<void> {
        auto t0 = std::chrono::steady_clock::now();
        timed_out = co_await session->get_integration(group, "SLACK");
        took = std::chrono::steady_clock::now() - t0;
        stall = false;
        after = co_await session->get_integration(group, "SLACK");
    });
    BOOST_TEST((timed_out.failure == attempt_failure::timeout));
    BOOST_TEST(took < std::chrono::steady_clock::duration(2s));
    BOOST_TEST(took >= std::chrono::steady_clock::duration(250ms));
    BOOST_TEST(!timed_out.detail.empty());
    BOOST_TEST(gate.statuses.at(1) == 0);  // the runner hears "no response"
    BOOST_TEST((after.failure == attempt_failure::none));
    BOOST_TEST(after.status == 200);
    BOOST_TEST(srv.connections == 2);
    BOOST_TEST(session->connections_opened() == 2u);
    // The challenge is kept across reconnects: no second challenge.
    BOOST_TEST(after.requests_sent == 1);
    BOOST_TEST(srv.challenges == 1);
}

BOOST_AUTO_TEST_CASE(body_over_limit_is_bad_response) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    auto cfg = digest_config(srv);
    cfg.body_limit = 1024;
    api_client client(ioc.get_executor(), cfg, gate);
    auto session = client.make_session();
    srv.handler = [](const http::request<http::string_body>&) {
        return make_reply(http::status::ok, "{\"pad\":\"" + std::string(4096, 'x') + "\"}");
    };
    api_call_result r;
    run(ioc,
        [&]() -> asio::awaitable<void> { r = co_await session->get_integration(group, "SLACK"); });
    BOOST_TEST((r.failure == attempt_failure::bad_response));
    BOOST_TEST(r.detail.find("limit") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(reset_after_sending_is_reported) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv), gate);
    auto session = client.make_session();
    srv.handler = [](const http::request<http::string_body>&) {
        reply r;
        r.what = reply::kind::reset;
        return r;
    };
    api_call_result r;
    run(ioc, [&]() -> asio::awaitable<void> {
        boost::json::object f;
        f["apiToken"] = "xoxb-1";
        f["teamName"] = "t";
        r = co_await session->create_integration(group, "SLACK", f);
    });
    BOOST_TEST((r.failure == attempt_failure::reset_after_send));
    BOOST_TEST(r.requests_sent == 2);
    BOOST_TEST(r.detail.find("xoxb") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(connection_refused_is_connect_failed) {
    asio::io_context ioc;
    unsigned short dead_port;
    {
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        dead_port = a.local_endpoint().port();
    }
    counting_gate gate;
    api_config cfg;
    cfg.base_url = "http://127.0.0.1:" + std::to_string(dead_port);
    cfg.creds.public_key = "pub";
    cfg.creds.private_key = "priv";
    api_client client(ioc.get_executor(), cfg, gate);
    auto session = client.make_session();
    api_call_result r;
    run(ioc,
        [&]() -> asio::awaitable<void> { r = co_await session->get_integration(group, "SLACK"); });
    BOOST_TEST((r.failure == attempt_failure::connect_failed));
    BOOST_TEST(r.status == 0);
}

BOOST_AUTO_TEST_CASE(html_503_and_api_errors_and_rate_limit_headers) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv), gate);
    auto session = client.make_session();
    int call = 0;
    srv.handler = [&](const http::request<http::string_body>&) {
        ++call;
        if (call == 1)
            return make_reply(
                http::status::service_unavailable,
                "<html><head><title>503 Service Unavailable</title></head><body>x</body></html>",
                "text/html");
        if (call == 2) {
            auto r = make_reply(
                http::status::too_many_requests,
                R"({"detail":"Rate limit exceeded","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","reason":"Too Many Requests"})");
            r.res.set("RateLimit-Limit", "10");
            r.res.set("RateLimit-Remaining", "0");
            r.res.set(http::field::retry_after, "55");
            return r;
        }
        return make_reply(
            http::status::not_found,
            R"({"detail":"The integration of type 'SLACK' is not configured for this group.","error":404,"errorCode":"INTEGRATION_NOT_CONFIGURED","reason":"Not Found"})");
    };
    api_call_result html, limited, missing;
    run(ioc, [&]() -> asio::awaitable<void> {
        html = co_await session->get_integration(group, "SLACK");
        limited = co_await session->get_integration(group, "SLACK");
        missing = co_await session->get_integration(group, "SLACK");
    });
    BOOST_TEST((html.failure == attempt_failure::none));
    BOOST_TEST(html.status == 503);
    BOOST_TEST(html.detail == "HTML error page");
    BOOST_TEST(html.error_code.empty());
    BOOST_TEST(html.body.is_null());

    BOOST_TEST(limited.status == 429);
    BOOST_TEST(limited.error_code == "RATE_LIMITED_TOKEN_BUCKET");
    BOOST_TEST(limited.ratelimit_limit == 10);
    BOOST_TEST(limited.ratelimit_remaining == 0);
    BOOST_REQUIRE(limited.retry_after.has_value());
    BOOST_TEST(limited.retry_after->count() == 55000);

    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.error_code == "INTEGRATION_NOT_CONFIGURED");
    BOOST_TEST(missing.detail.find("not configured") != std::string::npos);
    BOOST_TEST(missing.ratelimit_remaining == -1);
    BOOST_TEST(!missing.retry_after.has_value());
    BOOST_TEST(gate.last_remaining == -1);
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured_and_bodies_carry_type) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    auto cfg = digest_config(srv);
    cfg.api_flavor = flavor::atlas;
    api_client client(ioc.get_executor(), cfg, gate);
    auto session = client.make_session();
    srv.handler = [&](const http::request<http::string_body>&) {
        auto r = make_reply(http::status::ok, R"({"results":[],"totalCount":0})");
        r.res.keep_alive(false);
        return r;
    };
    api_call_result created, updated, deleted;
    run(ioc, [&]() -> asio::awaitable<void> {
        boost::json::object f;
        f["apiToken"] = "xoxb-9";
        f["channelName"] = "c";
        created = co_await session->create_integration(group, "SLACK", f);
        f["apiToken"] = "xoxb-10";
        updated = co_await session->update_integration(group, "SLACK", f);
        deleted = co_await session->delete_integration(group, "SLACK");
    });
    BOOST_TEST(created.status == 200);
    BOOST_TEST(updated.status == 200);
    BOOST_TEST(deleted.status == 200);
    // The 401 challenge kept the connection; every 200 closed it.
    BOOST_TEST(srv.connections == 3);
    BOOST_TEST(srv.requests == 4);
    BOOST_REQUIRE(srv.log.size() == 4u);
    const auto& post = srv.log[1];
    BOOST_TEST(post.method == "POST");
    BOOST_TEST(post.target == "/api/atlas/v2/groups/" + group + "/integrations/SLACK");
    BOOST_TEST(post.accept == "application/vnd.atlas.2023-01-01+json");
    BOOST_TEST(post.content_type == "application/vnd.atlas.2023-01-01+json");
    auto body = boost::json::parse(post.body).as_object();
    BOOST_TEST(body.at("type").as_string() == "SLACK");
    BOOST_TEST(body.at("apiToken").as_string() == "xoxb-9");
    // The fields in their order, then "type": the body is serialized without copying the fields.
    BOOST_TEST(post.body == R"({"apiToken":"xoxb-9","channelName":"c","type":"SLACK"})");
    BOOST_TEST(srv.log[2].body == R"({"apiToken":"xoxb-10","channelName":"c","type":"SLACK"})");
    BOOST_TEST(srv.log[2].method == "PUT");
    BOOST_TEST(boost::json::parse(srv.log[2].body).as_object().at("type").as_string() == "SLACK");
    BOOST_TEST(srv.log[3].method == "DELETE");
    BOOST_TEST(srv.log[3].body.empty());
}

BOOST_AUTO_TEST_CASE(listing_pages_targets) {
    asio::io_context ioc;
    fake_server srv(ioc);
    counting_gate gate;
    api_client client(ioc.get_executor(), digest_config(srv), gate);
    auto session = client.make_session();
    run(ioc, [&]() -> asio::awaitable<void> {
        co_await session->list_integrations_page(group, 2, 50);
        co_await session->list_projects_page("", 1, 500);
        co_await session->list_projects_page("aaaaaaaaaaaaaaaaaaaaaaaa", 3, 100);
    });
    BOOST_REQUIRE(srv.log.size() == 4u);
    BOOST_TEST(srv.log[1].target ==
               "/api/public/v1.0/groups/" + group + "/integrations?pageNum=2&itemsPerPage=50");
    BOOST_TEST(srv.log[2].target == "/api/public/v1.0/groups?pageNum=1&itemsPerPage=500");
    BOOST_TEST(srv.log[3].target ==
               "/api/public/v1.0/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/groups?pageNum=3&itemsPerPage=100");
}

BOOST_AUTO_TEST_CASE(tls_self_signed_refused_unless_trusted_or_insecure) {
    test::temp_dir dir;
    auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    test::run_options opts;
    opts.timeout = 30s;
    auto openssl = find_program("openssl");
    BOOST_REQUIRE_MESSAGE(!openssl.empty(), "openssl is not on PATH");
    auto gen = test::run_process(
        {openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
         "subjectAltName=DNS:localhost,IP:127.0.0.1"},
        opts);
    BOOST_REQUIRE_MESSAGE(gen.exit_code == 0, "openssl failed: " << gen.err);
    auto server_ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    server_ctx->use_certificate_chain_file(cert);
    server_ctx->use_private_key_file(key, asio::ssl::context::pem);

    asio::io_context ioc;
    fake_server srv(ioc, fake_server::auth_mode::digest, server_ctx);
    counting_gate gate;
    auto attempt = [&](api_config cfg) {
        api_client client(ioc.get_executor(), cfg, gate);
        auto session = client.make_session();
        api_call_result r;
        run(ioc, [&]() -> asio::awaitable<void> {
            r = co_await session->get_integration(group, "SLACK");
        });
        return r;
    };
    auto untrusted = attempt(digest_config(srv));
    BOOST_TEST((untrusted.failure == attempt_failure::connect_failed));
    BOOST_TEST(untrusted.detail.find("TLS") != std::string::npos);
    BOOST_TEST(srv.requests == 0);

    auto cfg = digest_config(srv);
    cfg.cacert = cert;
    auto trusted = attempt(cfg);
    BOOST_TEST((trusted.failure == attempt_failure::none));
    BOOST_TEST(trusted.status == 200);

    cfg = digest_config(srv);
    cfg.insecure = true;
    auto insecure = attempt(cfg);
    BOOST_TEST(insecure.status == 200);

    // Trusted CA but the wrong name: 127.0.0.2 is not in the certificate.
    cfg = digest_config(srv);
    cfg.cacert = cert;
    cfg.base_url = "https://127.0.0.2:" + std::to_string(srv.port());
    auto wrong_name = attempt(cfg);
    BOOST_TEST((wrong_name.failure == attempt_failure::connect_failed));
}

BOOST_AUTO_TEST_CASE(oauth_token_shared_cached_and_refreshed_once) {
    asio::io_context ioc;
    fake_server srv(ioc, fake_server::auth_mode::bearer);
    counting_gate gate;
    api_config cfg;
    cfg.base_url = srv.base_url();
    cfg.creds.client_id = "cid";
    cfg.creds.client_secret = "csec";
    cfg.request_timeout = 2000ms;
    api_client client(ioc.get_executor(), cfg, gate);
    auto s1 = client.make_session();
    auto s2 = client.make_session();
    std::vector<api_call_result> results;
    int finished = 0;
    run(ioc, [&]() -> asio::awaitable<void> {
        // Two sessions ask at once: one token request, the other waits for it.
        auto worker = [&](api_session* s) -> asio::awaitable<void> {
            for (int i = 0; i < 3; ++i)
                results.push_back(co_await s->get_integration(group, "SLACK"));
            ++finished;
        };
        asio::co_spawn(ioc, worker(s1.get()), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
        asio::co_spawn(ioc, worker(s2.get()), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
        for (int i = 0; i < 200 && finished < 2; ++i) {
            asio::steady_timer t(ioc, 10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        // The server revokes the token: one refresh, transparently.
        srv.reject_bearer_once = true;
        results.push_back(co_await s1->get_integration(group, "SLACK"));
    });
    BOOST_REQUIRE_EQUAL(finished, 2);
    BOOST_REQUIRE_EQUAL(results.size(), 7u);
    for (auto& r : results) BOOST_TEST(r.status == 200);
    BOOST_TEST(srv.token_requests == 2);
    BOOST_TEST(client.token_requests() == 2u);
    BOOST_TEST(results.back().requests_sent == 3);  // rejected, token, resent
    BOOST_TEST(srv.log.front().authorization.find("Basic ") == 0u);
}

BOOST_AUTO_TEST_CASE(oauth_wrong_secret_is_auth_failed) {
    asio::io_context ioc;
    fake_server srv(ioc, fake_server::auth_mode::bearer);
    counting_gate gate;
    api_config cfg;
    cfg.base_url = srv.base_url();
    cfg.creds.client_id = "cid";
    cfg.creds.client_secret = "WRONG-secret";
    api_client client(ioc.get_executor(), cfg, gate);
    auto s = client.make_session();
    api_call_result r;
    run(ioc, [&]() -> asio::awaitable<void> { r = co_await s->get_integration(group, "SLACK"); });
    BOOST_TEST(r.auth_failed);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(srv.requests == 1);  // only the token request
    BOOST_TEST(r.detail.find("WRONG") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
