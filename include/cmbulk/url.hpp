// Base URLs of the client: `scheme://host[:port][/path]` parsed (Boost.URL) into where a
// connection goes, and the host tests the rest of the http layer needs (loopback, IP literal).
// Pure; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cmbulk {

/// Where a connection goes: the parsed `scheme://host[:port]` of a URL.
struct http_endpoint {
    bool tls = false;
    std::string host;  ///< without brackets for IPv6 literals
    std::string port;  ///< "80"/"443" when the URL had none
    /// The Host header value (host[:port] as the URL spelled it).
    std::string host_header;
};

/// Parses `scheme://host[:port][/path]`; `path_out` (if given) receives the path and query
/// (empty when none). Only http and https; no user-info. On error `message` says why (the URL
/// is not echoed, it could hold user-info).
std::optional<http_endpoint> parse_url(std::string_view url, std::string& message,
                                       std::string* path_out = nullptr);

/// Whether a host is a loopback address or "localhost" (plain http is fine there).
bool is_loopback_host(std::string_view host);

/// Whether a host (without brackets) is an IPv4 or IPv6 literal rather than a name.
bool is_ip_literal(std::string_view host);

/// `s` with its ASCII letters in lowercase (schemes and host names are case-insensitive).
std::string lower_ascii(std::string_view s);

}  // namespace cmbulk
