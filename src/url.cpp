// Base-URL parsing on Boost.URL, and the loopback / IP-literal tests; see url.hpp.
#include "cmbulk/url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

namespace cmbulk {

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_ip_literal(std::string_view host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec);
    return !ec;
}

std::optional<http_endpoint> parse_url(std::string_view url, std::string& message,
                                       std::string* path_out) {
    auto u = boost::urls::parse_uri(url);
    if (!u) {
        message = "not a valid URL (expected scheme://host[:port])";
        return std::nullopt;
    }
    http_endpoint ep;
    auto scheme = lower_ascii(u->scheme());
    if (scheme == "https") {
        ep.tls = true;
    } else if (scheme != "http") {
        message = "unsupported URL scheme '" + scheme + "' (use http or https)";
        return std::nullopt;
    }
    if (u->has_userinfo()) {
        message = "the URL must not contain user information";
        return std::nullopt;
    }
    if (!u->has_authority() || u->encoded_host().empty()) {
        message = "the URL has no host";
        return std::nullopt;
    }
    if (u->host_type() == boost::urls::host_type::ipv6) {
        ep.host = std::string(u->encoded_host_address());
    } else {
        ep.host = u->host();
    }
    if (u->has_port()) {
        if (u->port_number() == 0) {
            message = "the URL has an invalid port";
            return std::nullopt;
        }
        ep.port = std::to_string(u->port_number());
    } else {
        ep.port = ep.tls ? "443" : "80";
    }
    ep.host_header = std::string(u->encoded_host_and_port());
    if (u->has_fragment()) {
        message = "the URL must not have a fragment";
        return std::nullopt;
    }
    if (path_out) {
        std::string p(u->encoded_path());
        if (u->has_query()) p += "?" + std::string(u->encoded_query());
        *path_out = p;
    }
    return ep;
}

bool is_loopback_host(std::string_view host) {
    std::string h = lower_ascii(host);
    if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
    if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(h, ec);
    return !ec && a.is_loopback();
}

}  // namespace cmbulk
