// Unit tests for the digest module: the RFC 2617 and RFC 7616 example vectors, challenge and
// authorization parsing.
#include <boost/test/unit_test.hpp>

#include "cmbulk/digest.hpp"

using namespace cmbulk::digest;

BOOST_AUTO_TEST_SUITE(digest_suite)

BOOST_AUTO_TEST_CASE(rfc2617_md5_vector) {
    auto r = compute_response(algorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life",
                              "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                              "00000001", "0a4f113b", "auth");
    BOOST_TEST(r == "6629fae49393a05397450978507c4ef1");
}

BOOST_AUTO_TEST_CASE(rfc7616_md5_and_sha256_vectors) {
    const char* nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const char* cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    auto md5 = compute_response(algorithm::md5, "Mufasa", "http-auth@example.org", "Circle of Life",
                                "GET", "/dir/index.html", nonce, "00000001", cnonce, "auth");
    BOOST_TEST(md5 == "8ca523f5e9506fed4657c9700eebdbec");
    auto sha =
        compute_response(algorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life",
                         "GET", "/dir/index.html", nonce, "00000001", cnonce, "auth");
    BOOST_TEST(sha == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

BOOST_AUTO_TEST_CASE(password_case_matters) {
    auto a = compute_response(algorithm::md5, "Mufasa", "testrealm@host.com", "Circle of Life",
                              "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                              "00000001", "0a4f113b", "auth");
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
    BOOST_TEST(
        parse_challenge("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256").has_error());
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
    auto expected = compute_response(algorithm::md5, "pub", "MMS Public API", "priv", "POST",
                                     "/api/x?y=1", "nonce-1", "00000007", "cn", "auth");
    BOOST_TEST(a->response == expected);
    BOOST_TEST(header.find("priv") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(ha1_path_gives_the_rfc_vectors) {
    // RFC 2617 §3.5: H(A1) of Mufasa / testrealm@host.com / "Circle Of Life", then the response.
    auto ha1 = ha1_hex(algorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
    BOOST_TEST(ha1 == "939e7578ed9e3c518a452acee763bce9");
    BOOST_TEST(response_from_ha1(algorithm::md5, ha1, "GET", "/dir/index.html",
                                 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
                                 "auth") == "6629fae49393a05397450978507c4ef1");
    // RFC 7616 §3.9.1 with SHA-256, through the same path.
    auto sha_ha1 = ha1_hex(algorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
    BOOST_TEST(response_from_ha1(algorithm::sha256, sha_ha1, "GET", "/dir/index.html",
                                 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                                 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth") ==
               "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    // Hashes alternate between algorithms on one thread: the reused context must not leak state.
    BOOST_TEST(hash_hex(algorithm::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
    BOOST_TEST(hash_hex(algorithm::sha256, "") ==
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(hash_hex(algorithm::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
}

BOOST_AUTO_TEST_CASE(header_from_ha1_equals_header_from_password) {
    for (auto algo : {algorithm::md5, algorithm::sha256}) {
        challenge ch;
        ch.realm = "MMS \"Public\" API";
        ch.nonce = "n\\1";
        ch.algo = algo;
        ch.qop_auth = true;
        ch.opaque = "opq";
        auto ha1 = ha1_hex(algo, "pub", ch.realm, "priv");
        auto a = make_authorization(ch, "pub", "priv", "GET", "/api/g?x=1", 255, "cn0");
        auto b = make_authorization_from_ha1(ch, "pub", ha1, "GET", "/api/g?x=1", 255, "cn0");
        BOOST_TEST(a == b);
        auto parsed = parse_authorization(b);
        BOOST_REQUIRE(parsed.has_value());
        BOOST_TEST(parsed->realm == ch.realm);  // quotes and backslashes escaped and read back
        BOOST_TEST(parsed->nonce == ch.nonce);
        BOOST_TEST(parsed->nc == "000000ff");
        BOOST_TEST(b.find(ha1) == std::string::npos);  // H(A1) itself is never sent
    }
}

BOOST_AUTO_TEST_SUITE_END()
