// HTTP Digest authentication math (RFC 7616, RFC 2617): parsing `WWW-Authenticate` challenges and
// `Authorization` headers, and computing responses with MD5 or SHA-256. Pure functions, no I/O;
// the client's auth module and the simulator's verifier both build on them.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cmbulk::digest {

enum class algorithm { md5, sha256 };

/// "MD5" or "SHA-256".
std::string_view to_string(algorithm a);
std::optional<algorithm> parse_algorithm(std::string_view s);

/// Why a header could not be read.
enum class parse_errc {
    not_digest = 1,  ///< the scheme is not Digest
    malformed,       ///< bad syntax (unterminated quote, missing '=')
    missing_nonce,
    missing_realm,
    unsupported_algorithm,
    unsupported_qop,  ///< qop offered but without "auth"
    missing_field,    ///< an Authorization header lacks username, uri, response...
};
const boost::system::error_category& parse_category();
boost::system::error_code make_error_code(parse_errc e);

/// A server's challenge, from `WWW-Authenticate: Digest ...`.
struct challenge {
    std::string realm;
    std::string nonce;
    std::string opaque;
    std::string domain;
    algorithm algo = algorithm::md5;
    bool qop_auth = false;  ///< the server offered qop="auth"
    bool stale = false;     ///< the nonce expired; the credentials were fine
};

/// Parses one `WWW-Authenticate` value. Several challenges separated by commas are allowed; the
/// first Digest challenge whose algorithm we support (SHA-256 preferred over MD5) is returned.
boost::system::result<challenge> parse_challenge(std::string_view header);

/// The fields of a client's `Authorization: Digest ...` header.
struct authorization {
    std::string username;
    std::string realm;
    std::string nonce;
    std::string uri;
    std::string response;
    std::string cnonce;
    std::string opaque;
    std::string qop;
    std::string nc;  ///< eight hex digits
    algorithm algo = algorithm::md5;
};

/// Parses an `Authorization` header value (server side).
boost::system::result<authorization> parse_authorization(std::string_view header);

/// Hex digest of `data` with the algorithm (lowercase).
std::string hash_hex(algorithm a, std::string_view data);

/// H(A1) in hex: H(username ":" realm ":" password). It stands in for the password (anyone
/// holding it can answer challenges of that realm): keep it as secret as the password.
std::string ha1_hex(algorithm a, std::string_view username, std::string_view realm,
                    std::string_view password);

/// The response from a precomputed H(A1) (see compute_response).
std::string response_from_ha1(algorithm a, std::string_view ha1, std::string_view method,
                              std::string_view uri, std::string_view nonce, std::string_view nc,
                              std::string_view cnonce, std::string_view qop);

/// RFC 7616 §3.4.1, with qop="auth":
///   A1 = username ":" realm ":" password
///   A2 = method ":" request-uri
///   response = H( H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2) )
/// Without qop (RFC 2069 compatibility): response = H( H(A1) ":" nonce ":" H(A2) ).
std::string compute_response(algorithm a, std::string_view username, std::string_view realm,
                             std::string_view password, std::string_view method,
                             std::string_view uri, std::string_view nonce, std::string_view nc,
                             std::string_view cnonce, std::string_view qop);

/// The nonce count as eight lowercase hex digits ("00000001").
std::string format_nc(std::uint32_t nc);

/// Builds the `Authorization` header value for one request.
std::string make_authorization(const challenge& ch, std::string_view username,
                               std::string_view password, std::string_view method,
                               std::string_view uri, std::uint32_t nc, std::string_view cnonce);

/// The same from a precomputed H(A1) of this challenge's realm and algorithm (a session
/// computes it once per challenge instead of once per request).
std::string make_authorization_from_ha1(const challenge& ch, std::string_view username,
                                        std::string_view ha1, std::string_view method,
                                        std::string_view uri, std::uint32_t nc,
                                        std::string_view cnonce);

}  // namespace cmbulk::digest

template <>
struct boost::system::is_error_code_enum<cmbulk::digest::parse_errc> : std::true_type {};
