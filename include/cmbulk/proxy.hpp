// HTTP proxies for the client: the proxy variables of the environment (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, as curl reads them), proxy URLs with their credentials, and which proxy (if any)
// serves a target. Pure apart from reading the environment; the connection uses the result.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cmbulk/url.hpp"

namespace cmbulk {

/// An HTTP proxy (from HTTPS_PROXY / HTTP_PROXY): https targets go through a CONNECT tunnel,
/// http targets as absolute-form requests.
struct proxy_config {
    http_endpoint endpoint;     ///< the proxy itself (http:// only)
    std::string authorization;  ///< "Basic ..." from the URL's user-info, or empty; never logged
    std::string display;        ///< "http://host:port" without credentials, for messages
};

/// The proxy variables, as read from the environment.
struct proxy_environment {
    std::string https_proxy, http_proxy, no_proxy;
};

/// Reads https_proxy/HTTPS_PROXY, http_proxy/HTTP_PROXY and no_proxy/NO_PROXY (the lowercase
/// spelling wins when both are set, as in curl).
proxy_environment proxy_environment_from_env();

/// Parses `http://[user:password@]host[:port]` (port 80 when absent; a bare `host:port` is
/// taken as http://). Credentials are percent-decoded into a Basic
/// Proxy-Authorization value. Errors never echo the URL (it may hold a password).
std::optional<proxy_config> parse_proxy_url(std::string_view url, std::string& message);

/// Whether NO_PROXY excludes `host`:`port`: a comma-separated list of `*`, host names (matching
/// the host and its subdomains; a leading dot is ignored), IP literals, each optionally with
/// `:port`. Case-insensitive. Loopback is NOT excluded implicitly: add localhost,127.0.0.1.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host, std::string_view port);

/// The proxy for a target: HTTPS_PROXY for https, HTTP_PROXY for http, none when NO_PROXY
/// matches or the variable is empty. `message` is set (and nullopt returned) when the variable
/// holds an unusable URL; `message` is left empty when there is simply no proxy.
std::optional<proxy_config> select_proxy(const http_endpoint& target, const proxy_environment& env,
                                         std::string& message);

}  // namespace cmbulk
