// Unit tests for the auth module's sans-io parts: the Digest session state machine stepped by
// hand (challenge, nc increments, stale, definitive 401, cached nonce refused), base64, the token
// cache's refresh point and the token endpoint's sliding-window limit, on a fake clock.
#include <boost/test/unit_test.hpp>
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
