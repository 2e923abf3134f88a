// Proxy variables, proxy URLs (Boost.URL decodes the user-info) and NO_PROXY matching; see
// proxy.hpp.
#include "cmbulk/proxy.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstdlib>

#include "cmbulk/base64.hpp"

namespace cmbulk {

proxy_environment proxy_environment_from_env() {
    auto get = [](const char* lower_name, const char* upper_name) {
        const char* v = std::getenv(lower_name);
        if (!v || !*v) v = std::getenv(upper_name);
        return v ? std::string(v) : std::string();
    };
    return {get("https_proxy", "HTTPS_PROXY"), get("http_proxy", "HTTP_PROXY"),
            get("no_proxy", "NO_PROXY")};
}

std::optional<proxy_config> parse_proxy_url(std::string_view url, std::string& message) {
    std::string text(url);
    if (text.find("://") == std::string::npos) text = "http://" + text;
    auto u = boost::urls::parse_uri(text);
    // Never echo the URL: it may carry the proxy's password.
    if (!u) {
        message = "the proxy variable is not a valid URL";
        return std::nullopt;
    }
    if (lower_ascii(u->scheme()) != "http") {
        message =
            "unsupported proxy scheme '" + lower_ascii(u->scheme()) + "' (only http:// proxies)";
        return std::nullopt;
    }
    if (!u->has_authority() || u->encoded_host().empty()) {
        message = "the proxy URL has no host";
        return std::nullopt;
    }
    proxy_config p;
    p.endpoint.tls = false;
    p.endpoint.host = u->host_type() == boost::urls::host_type::ipv6
                          ? std::string(u->encoded_host_address())
                          : std::string(u->host());
    p.endpoint.port = u->has_port() ? std::to_string(u->port_number()) : "80";
    if (p.endpoint.port == "0") {
        message = "the proxy URL has an invalid port";
        return std::nullopt;
    }
    p.endpoint.host_header = std::string(u->encoded_host_and_port());
    p.display = "http://" + std::string(u->encoded_host()) + ":" + p.endpoint.port;
    // user() and password() are percent-decoded by Boost.URL ("s%40cret" is "s@cret").
    if (u->has_userinfo())
        p.authorization = "Basic " + base64_encode(u->user() + ":" + u->password());
    return p;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host_in, std::string_view port) {
    std::string host = lower_ascii(host_in);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    std::string list = lower_ascii(no_proxy);
    std::size_t pos = 0;
    while (pos <= list.size()) {
        auto comma = list.find(',', pos);
        std::string entry =
            list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? list.size() + 1 : comma + 1;
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.erase(0, 1);
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.pop_back();
        if (entry.empty()) continue;
        if (entry == "*") return true;
        std::string entry_port;
        if (entry.front() == '[') {  // [v6]:port
            auto close = entry.find(']');
            if (close == std::string::npos) continue;
            if (close + 1 < entry.size() && entry[close + 1] == ':')
                entry_port = entry.substr(close + 2);
            entry = entry.substr(1, close - 1);
        } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
            auto colon = entry.find(':');
            entry_port = entry.substr(colon + 1);
            entry.erase(colon);
        }
        if (!entry_port.empty() && entry_port != port) continue;
        if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
        if (entry.empty()) continue;
        if (host == entry) return true;
        if (!is_ip_literal(host) && host.size() > entry.size() && host.ends_with(entry) &&
            host[host.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

std::optional<proxy_config> select_proxy(const http_endpoint& target, const proxy_environment& env,
                                         std::string& message) {
    message.clear();
    const std::string& var = target.tls ? env.https_proxy : env.http_proxy;
    if (var.empty() || no_proxy_matches(env.no_proxy, target.host, target.port))
        return std::nullopt;
    std::string why;
    auto p = parse_proxy_url(var, why);
    if (!p) message = std::string(target.tls ? "HTTPS_PROXY" : "HTTP_PROXY") + ": " + why;
    return p;
}

}  // namespace cmbulk
