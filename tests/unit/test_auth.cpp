// Unit tests for the auth module's sans-io parts: the Digest session state machine stepped by
// hand (challenge, nc increments, stale, definitive 401, cached nonce refused; against a server
// refusing every reused nonce: nothing lost, two requests a call, reuse stopped, then probed),
// base64, the token cache's refresh point and the token endpoint's sliding-window limit, on a
// fake clock.
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "cmbulk/auth.hpp"
#include "cmbulk/digest.hpp"

using namespace cmbulk;
using namespace std::chrono_literals;

namespace {
const char* challenge_a =
    R"(Digest realm="MMS Public API", domain="", nonce="nonce-A", algorithm=MD5, qop="auth", stale=false)";
const char* challenge_b_stale =
    R"(Digest realm="MMS Public API", domain="", nonce="nonce-B", algorithm=MD5, qop="auth", stale=true)";
const char* challenge_c =
    R"(Digest realm="MMS Public API", domain="", nonce="nonce-C", algorithm=MD5, qop="auth", stale=false)";

// Checks an Authorization header the way a server would.
digest::authorization verify(const std::string& header, const std::string& nonce,
                             const std::string& uri) {
    auto a = digest::parse_authorization(header);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->username == "pub");
    BOOST_TEST(a->nonce == nonce);
    BOOST_TEST(a->uri == uri);
    auto expect = digest::compute_response(a->algo, "pub", "MMS Public API", "priv", "GET", uri,
                                           a->nonce, a->nc, a->cnonce, a->qop);
    BOOST_TEST(a->response == expect);
    return *a;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(auth_suite)

BOOST_AUTO_TEST_CASE(first_request_draws_challenge_then_nc_increments) {
    digest_session s("pub", "priv", 42);
    s.begin_call();
    BOOST_TEST(!s.authorization("GET", "/x").has_value());
    BOOST_TEST((s.on_unauthorized(challenge_a) == digest_session::verdict::resend));
    auto h1 = s.authorization("GET", "/x");
    BOOST_REQUIRE(h1.has_value());
    auto a1 = verify(*h1, "nonce-A", "/x");
    BOOST_TEST(a1.nc == "00000001");
    std::set<std::string> cnonces{a1.cnonce};
    BOOST_TEST(a1.cnonce.size() == 32u);
    for (int i = 2; i <= 5; ++i) {
        s.begin_call();
        auto h = s.authorization("GET", "/y");
        BOOST_REQUIRE(h.has_value());
        auto a = verify(*h, "nonce-A", "/y");
        BOOST_TEST(a.nc == digest::format_nc(static_cast<std::uint32_t>(i)));
        cnonces.insert(a.cnonce);
    }
    BOOST_TEST(cnonces.size() == 5u);  // a fresh cnonce per request
    BOOST_TEST(s.nc() == 5u);
}

BOOST_AUTO_TEST_CASE(wrong_key_is_definitive_after_one_resend) {
    digest_session s("pub", "wrong", 1);
    s.begin_call();
    BOOST_TEST(!s.authorization("GET", "/x").has_value());
    BOOST_TEST((s.on_unauthorized(challenge_a) == digest_session::verdict::resend));
    BOOST_TEST(s.authorization("GET", "/x").has_value());
    BOOST_TEST((s.on_unauthorized(challenge_c) == digest_session::verdict::auth_failed));
}

BOOST_AUTO_TEST_CASE(stale_is_followed_transparently_with_nc_reset) {
    digest_session s("pub", "priv", 2);
    s.begin_call();
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized(challenge_a) == digest_session::verdict::resend));
    s.authorization("GET", "/x");
    // Later call: the nonce expired.
    s.begin_call();
    auto h = s.authorization("GET", "/x");
    BOOST_TEST(verify(*h, "nonce-A", "/x").nc == "00000002");
    BOOST_TEST((s.on_unauthorized(challenge_b_stale) == digest_session::verdict::resend));
    auto h2 = s.authorization("GET", "/x");
    auto a2 = verify(*h2, "nonce-B", "/x");
    BOOST_TEST(a2.nc == "00000001");
    // A non-stale 401 to credentials from the nonce just received is definitive.
    BOOST_TEST((s.on_unauthorized(challenge_c) == digest_session::verdict::auth_failed));
}

BOOST_AUTO_TEST_CASE(endless_stale_gives_up_without_auth_failure) {
    digest_session s("pub", "priv", 3);
    s.begin_call();
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized(challenge_a) == digest_session::verdict::resend));
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized(challenge_b_stale) == digest_session::verdict::resend));
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized(challenge_b_stale) == digest_session::verdict::resend));
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized(challenge_b_stale) == digest_session::verdict::give_up));
}

BOOST_AUTO_TEST_CASE(cached_nonce_refused_without_stale_gets_one_more_try) {
    // A server that expires nonces but answers stale=false: the cached challenge is replaced and
    // the request resent once; only a refusal of the fresh one is definitive.
    digest_session s("pub", "priv", 4);
    s.begin_call();
    s.authorization("GET", "/x");
    s.on_unauthorized(challenge_a);
    s.authorization("GET", "/x");
    s.begin_call();
    BOOST_TEST(s.authorization("GET", "/x").has_value());
    BOOST_TEST((s.on_unauthorized(challenge_c) == digest_session::verdict::resend));
    auto h = s.authorization("GET", "/x");
    BOOST_TEST(verify(*h, "nonce-C", "/x").nc == "00000001");
    BOOST_TEST((s.on_unauthorized(challenge_c) == digest_session::verdict::auth_failed));
}

BOOST_AUTO_TEST_CASE(non_digest_401_is_definitive) {
    digest_session s("pub", "priv", 5);
    s.begin_call();
    s.authorization("GET", "/x");
    BOOST_TEST((s.on_unauthorized("") == digest_session::verdict::auth_failed));
    BOOST_TEST((s.on_unauthorized(R"(Basic realm="x")") == digest_session::verdict::auth_failed));
}

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
    BOOST_TEST(base64_encode("") == "");
    BOOST_TEST(base64_encode("f") == "Zg==");
    BOOST_TEST(base64_encode("fo") == "Zm8=");
    BOOST_TEST(base64_encode("foo") == "Zm9v");
    BOOST_TEST(base64_encode("foob") == "Zm9vYg==");
    BOOST_TEST(base64_encode("fooba") == "Zm9vYmE=");
    BOOST_TEST(base64_encode("foobar") == "Zm9vYmFy");
    BOOST_TEST(base64_encode("id:se\xff") == "aWQ6c2X/");
}

BOOST_AUTO_TEST_CASE(base64_decodes_what_it_encodes_and_refuses_the_rest) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "id:se\xff"}) {
        BOOST_TEST_CONTEXT(s) {
            auto d = base64_decode(base64_encode(s));
            BOOST_REQUIRE(d.has_value());
            BOOST_TEST(*d == s);  // the padding is not decoded as zero bytes
        }
    }
    for (std::string bad : {"Zm9", "Zm9v YmFy", "Zg=a", "====", "Z===", "Zm9v\n", "Zm9-"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!base64_decode(bad).has_value()); }
}

BOOST_AUTO_TEST_CASE(token_cache_refreshes_before_expiry) {
    token_cache c;
    token_cache::clock::time_point t0{};
    t0 += 1000s;
    BOOST_TEST(!c.get(t0).has_value());
    c.store("tok", 3600s, t0);  // margin max(60 s, 360 s) = 360 s
    BOOST_TEST(c.get(t0).value() == "tok");
    BOOST_TEST(c.get(t0 + 3239s).has_value());
    BOOST_TEST(!c.get(t0 + 3240s).has_value());
    c.store("short", 300s, t0);  // margin 60 s
    BOOST_TEST(c.get(t0 + 239s).has_value());
    BOOST_TEST(!c.get(t0 + 240s).has_value());
    c.store("tiny", 30s, t0);  // shorter than the margin: refresh every time
    BOOST_TEST(!c.get(t0).has_value());
    c.store("tok2", 3600s, t0);
    c.invalidate("other");
    BOOST_TEST(c.get(t0).has_value());
    c.invalidate("tok2");
    BOOST_TEST(!c.get(t0).has_value());
}

BOOST_AUTO_TEST_CASE(token_endpoint_window_allows_ten_a_minute) {
    sliding_window_limit w(10, 60s);
    sliding_window_limit::clock::time_point t{};
    t += 5000s;
    for (int i = 0; i < 10; ++i) {
        BOOST_TEST((w.delay(t + std::chrono::seconds(i)) ==
                    sliding_window_limit::clock::duration::zero()));
        w.record(t + std::chrono::seconds(i));
    }
    // The 11th at t+10 s must wait until the first leaves the window (t+60 s).
    BOOST_TEST((w.delay(t + 10s) ==
                std::chrono::duration_cast<sliding_window_limit::clock::duration>(50s)));
    BOOST_TEST((w.delay(t + 60s) == sliding_window_limit::clock::duration::zero()));
    w.record(t + 60s);
    BOOST_TEST((w.delay(t + 60s) ==
                std::chrono::duration_cast<sliding_window_limit::clock::duration>(1s)));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- nonce reuse (issue 13): the session stepped against a server that refuses it -------------

namespace {

/// A Digest server without I/O: issues nonces, checks credentials the way the service does and,
/// unless it accepts reuse, takes every nonce for one request only (as MongoDB's own Go transport
/// assumes). A refused nonce or a wrong key gets 401 with a fresh challenge and stale=false.
struct digest_server {
    bool accept_reuse = false;
    std::string password = "priv";
    int next_nonce = 0;
    std::map<std::string, std::uint32_t> nonces;  ///< issued -> highest nc seen (0: unused)
    int requests = 0, refused_credentials = 0;

    std::string challenge() {
        auto n = "fresh-nonce-" + std::to_string(++next_nonce);
        nonces[n] = 0;
        return "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"" + n +
               "\", algorithm=MD5, qop=\"auth\", stale=false";
    }
    /// The status of one request, and the challenge of a 401.
    std::pair<int, std::string> answer(const std::optional<std::string>& authz) {
        ++requests;
        if (!authz) return {401, challenge()};
        auto a = digest::parse_authorization(*authz);
        BOOST_REQUIRE(a.has_value());
        auto expect = digest::compute_response(a->algo, a->username, a->realm, password, "POST",
                                               a->uri, a->nonce, a->nc, a->cnonce, a->qop);
        auto it = nonces.find(a->nonce);
        auto nc = static_cast<std::uint32_t>(std::stoul(a->nc, nullptr, 16));
        bool nonce_ok = it != nonces.end() && nc > it->second && (accept_reuse || it->second == 0);
        if (a->response != expect || !nonce_ok) {
            ++refused_credentials;
            return {401, challenge()};
        }
        it->second = nc;
        return {200, ""};
    }
};

struct call_result {
    bool ok = false, auth_failed = false;
    int requests = 0;
    bool first_had_credentials = false;
};

/// One API call driven as api_session::perform_ drives it (bounded rounds).
call_result call(digest_session& s, digest_server& srv) {
    call_result r;
    s.begin_call();
    for (int round = 0; round < 6; ++round) {
        auto authz = s.authorization("POST", "/api/public/v1.0/groups/x/integrations/SLACK");
        if (round == 0) r.first_had_credentials = authz.has_value();
        auto [status, www] = srv.answer(authz);
        ++r.requests;
        if (status != 401) {
            r.ok = true;
            return r;
        }
        auto v = s.on_unauthorized(www);
        if (v == digest_session::verdict::resend) continue;
        r.auth_failed = v == digest_session::verdict::auth_failed;
        return r;
    }
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nonce_reuse_suite)

BOOST_AUTO_TEST_CASE(a_server_that_accepts_reuse_costs_one_request_per_call) {
    digest_server srv;
    srv.accept_reuse = true;
    digest_session s("pub", "priv", 11);
    int requests = 0;
    for (int i = 0; i < 1000; ++i) {
        auto r = call(s, srv);
        BOOST_REQUIRE(r.ok);
        requests += r.requests;
    }
    BOOST_TEST(requests == 1001);  // one challenge, then every nonce count accepted
    BOOST_TEST(s.reusing_nonces());
    BOOST_TEST(srv.refused_credentials == 0);
}

BOOST_AUTO_TEST_CASE(refused_reuse_loses_nothing_and_stops_after_three_calls) {
    digest_server srv;  // every nonce good for one request
    digest_session s("pub", "priv", 12);
    int requests = 0, refused_before_switch = 0;
    for (int i = 0; i < 1000; ++i) {
        BOOST_TEST_CONTEXT("call " << i) {
            auto r = call(s, srv);
            BOOST_REQUIRE(r.ok);          // no call lost
            BOOST_TEST(!r.auth_failed);   // a refused reuse is no authentication failure
            BOOST_TEST(r.requests <= 2);  // at most two requests per call
            requests += r.requests;
            if (i == 3) refused_before_switch = srv.refused_credentials;
            // Calls 1, 2 and 3 had their reused nonce refused: from call 4 on the session no
            // longer reuses, and a call's first request goes out without credentials (but for a
            // probe of reuse every probe_every calls).
            if (i >= 4 && i % (digest_session::probe_every + 1) != 3)
                BOOST_TEST(!r.first_had_credentials);
        }
    }
    BOOST_TEST(refused_before_switch == digest_session::refusals_before_no_reuse);
    BOOST_TEST(!s.reusing_nonces());
    BOOST_TEST(requests <= 2000);
    // After the switch the server refuses credentials only for the occasional probe.
    BOOST_TEST(srv.refused_credentials <=
               digest_session::refusals_before_no_reuse + 1000 / digest_session::probe_every + 1);
    BOOST_TEST(srv.refused_credentials > digest_session::refusals_before_no_reuse);  // probes ran
}

BOOST_AUTO_TEST_CASE(an_accepted_reuse_resets_the_count) {
    digest_server srv;
    digest_session s("pub", "priv", 13);
    call(s, srv);  // the first challenge
    auto refused_call = [&] {
        srv.accept_reuse = false;
        auto r = call(s, srv);
        BOOST_TEST(r.ok);
        BOOST_TEST(r.requests == 2);
        BOOST_TEST(r.first_had_credentials);
    };
    refused_call();
    refused_call();
    srv.accept_reuse = true;
    auto accepted = call(s, srv);
    BOOST_TEST(accepted.requests == 1);
    refused_call();
    refused_call();
    BOOST_TEST(s.reusing_nonces());  // two in a row since the accepted one
    refused_call();
    BOOST_TEST(s.reusing_nonces());  // settled when the next call begins
    s.begin_call();
    BOOST_TEST(!s.reusing_nonces());
    BOOST_TEST(!s.authorization("POST", "/x").has_value());  // no credentials first
}

BOOST_AUTO_TEST_CASE(a_refused_key_is_an_authentication_failure_not_refused_reuse) {
    // Only credentials computed from a nonce the server just gave are definitive: against a
    // server refusing reuse, a wrong key (or a key without access to the project) fails each
    // call after at most two requests, and is never taken for refused reuse.
    digest_server srv;
    srv.password = "the-real-key";
    digest_session s("pub", "wrong-key", 14);
    for (int i = 0; i < 10; ++i) {
        BOOST_TEST_CONTEXT("call " << i) {
            auto r = call(s, srv);
            BOOST_TEST(!r.ok);
            BOOST_TEST(r.auth_failed);
            BOOST_TEST(r.requests == 2);
        }
    }
    BOOST_TEST(s.reusing_nonces());
}

BOOST_AUTO_TEST_CASE(without_reuse_a_refused_fresh_nonce_is_definitive_at_once) {
    digest_server srv;
    digest_session s("pub", "priv", 15);
    for (int i = 0; i < 5; ++i) call(s, srv);
    BOOST_REQUIRE(!s.reusing_nonces());
    srv.password = "rotated";  // the key was revoked mid-run
    auto r = call(s, srv);
    BOOST_TEST(r.auth_failed);
    BOOST_TEST(r.requests == 2);  // the bare request and the one with fresh credentials
    BOOST_TEST(!r.first_had_credentials);
}

BOOST_AUTO_TEST_CASE(a_probe_finds_a_server_that_accepts_reuse_again) {
    digest_server srv;
    digest_session s("pub", "priv", 16);
    for (int i = 0; i < 5; ++i) call(s, srv);
    BOOST_REQUIRE(!s.reusing_nonces());
    srv.accept_reuse = true;  // e.g. another server behind the load balancer
    int calls = 0;
    call_result r;
    do {  // without reuse every call costs two requests, until the probe's nonce is accepted
        r = call(s, srv);
        BOOST_REQUIRE(r.ok);
        ++calls;
    } while (r.requests == 2 && calls < 3 * digest_session::probe_every);
    BOOST_TEST(r.requests == 1);
    BOOST_TEST(r.first_had_credentials);
    BOOST_TEST(calls <= digest_session::probe_every + 1);
    BOOST_TEST(calls >= digest_session::probe_every - 5);  // not before it is due
    r = call(s, srv);
    BOOST_TEST(s.reusing_nonces());
    BOOST_TEST(r.requests == 1);  // reusing again: one request per call
}

BOOST_AUTO_TEST_SUITE_END()
