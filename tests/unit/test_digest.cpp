// Unit tests for the digest module: the RFC 2617 and RFC 7616 example vectors, challenge and
// authorization parsing.
#include "cmbulk/digest.hpp"

#include <boost/test/unit_test.hpp>

using namespace cmbulk::digest;

BOOST_AUTO_TEST_SUITE(digest_suite)

BOOST_AUTO_TEST_CASE(rfc2617_md5_vector) {
    auto r = compute_response(algorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
                              "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                              "0a4f113b", "auth");
    BOOST_TEST(r == "6629fae49393a05397450978507c4ef1");
}

BOOST_AUTO_TEST_CASE(rfc7616_md5_and_sha256_vectors) {
    const char* nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const char* cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    auto md5 = compute_response(algorithm::md5, "Mufasa", "http-auth@example.org", "Circle of Life",
                                "GET", "/dir/index.html", nonce, "00000001", cnonce, "auth");
    BOOST_TEST(md5 == "8ca523f5e9506fed4657c9700eebdbec");
    auto sha = compute_response(algorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life",
                                "GET", "/dir/index.html", nonce, "00000001", cnonce, "auth");
    BOOST_TEST(sha == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

BOOST_AUTO_TEST_CASE(password_case_matters) {
    auto a = compute_response(algorithm::md5, "Mufasa", "testrealm@host.com", "Circle of Life", "GET",
                              "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                              "0a4f113b", "auth");
    BOOST_TEST(a != "6629fae49393a05397450978507c4ef1");
}

BOOST_AUTO_TEST_CASE(parses_mms_challenge) {
    auto ch = parse_challenge(
        R"(Digest realm="MMS Public API", domain="", nonce="abc/def+123=", algorithm=MD5, qop="auth", stale=false)");
    BOOST_REQUIRE(ch.has_value());
    BOOST_TEST(ch->realm == "MMS Public API");
    BOOST_TEST(ch->nonce == "abc/def+123=");
    BOOST_TEST(ch->qop_auth);
    BOOST_TEST(!ch->stale);
    BOOST_TEST((ch->algo == algorithm::md5));
}

BOOST_AUTO_TEST_CASE(prefers_sha256_and_reads_stale) {
    auto ch = parse_challenge(
        R"(Digest realm="r", nonce="n1", algorithm=MD5, qop="auth", Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth-int, auth", stale=TRUE)");
    BOOST_REQUIRE(ch.has_value());
    BOOST_TEST((ch->algo == algorithm::sha256));
    BOOST_TEST(ch->nonce == "n2");
    BOOST_TEST(ch->stale);
}

BOOST_AUTO_TEST_CASE(rejects_bad_challenges) {
    BOOST_TEST(parse_challenge("Basic realm=\"x\"").has_error());
    BOOST_TEST(parse_challenge("Digest realm=\"x\", nonce=\"unterminated").has_error());
    BOOST_TEST(parse_challenge("Digest realm=\"x\"").has_error());  // no nonce
    BOOST_TEST(parse_challenge("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256").has_error());
    BOOST_TEST(parse_challenge("Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"").has_error());
    BOOST_TEST(parse_challenge("").has_error());
}

BOOST_AUTO_TEST_CASE(authorization_round_trip) {
    challenge ch;
    ch.realm = "MMS Public API";
    ch.nonce = "nonce-1";
    ch.qop_auth = true;
    ch.opaque = "op\"aque";
    auto header = make_authorization(ch, "pub", "priv", "POST", "/api/x?y=1", 7, "cn");
    auto a = parse_authorization(header);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->username == "pub");
    BOOST_TEST(a->nc == "00000007");
    BOOST_TEST(a->uri == "/api/x?y=1");
    BOOST_TEST(a->opaque == "op\"aque");
    auto expected = compute_response(algorithm::md5, "pub", "MMS Public API", "priv", "POST", "/api/x?y=1",
                                     "nonce-1", "00000007", "cn", "auth");
    BOOST_TEST(a->response == expected);
    BOOST_TEST(header.find("priv") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
