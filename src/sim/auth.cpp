// The simulator's authentication: Digest challenges and their nonces (reusable or one request
// each), API keys checked against RFC 7616 responses, Bearer tokens (issued by oauth.cpp), the
// API access list, and base64 through OpenSSL.
#include "cmbulk/sim/auth.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "cmbulk/sim/core.hpp"
#include "routes.hpp"

namespace cmbulk::sim {
namespace json = boost::json;
using namespace detail;

namespace {

constexpr std::string_view realm = "MMS Public API";

std::optional<std::uint64_t> parse_nc(std::string_view nc) {
    if (nc.size() != 8) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : nc) {
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<std::uint64_t>(d);
    }
    return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// base64, nonces, access list

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out(3 * (text.size() / 4) + 1, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::string_view to_string(nonce_reuse r) { return r == nonce_reuse::refuse ? "refuse" : "accept"; }

std::optional<nonce_reuse> parse_nonce_reuse(std::string_view s) {
    if (s == "accept") return nonce_reuse::accept;
    if (s == "refuse") return nonce_reuse::refuse;
    return std::nullopt;
}

std::string nonce_store::issue(time_point now, const std::array<std::uint64_t, 3>& random) {
    // 24 random bytes are 32 base64 characters, without padding.
    std::string bytes(24, '\0');
    for (std::size_t i = 0; i < 24; ++i)
        bytes[i] = static_cast<char>((random[i / 8] >> (8 * (i % 8))) & 0xff);
    auto nonce = base64_encode(bytes);
    nonces_[nonce] = record{now, 0, 0};
    return nonce;
}

nonce_store::verdict nonce_store::use(const std::string& nonce, std::string_view nc_text,
                                      time_point now, nonce_reuse mode,
                                      std::chrono::seconds lifetime) {
    auto it = nonces_.find(nonce);
    if (it == nonces_.end() || now - it->second.issued > lifetime) {
        if (it != nonces_.end()) nonces_.erase(it);
        return verdict::stale;
    }
    auto nc = parse_nc(nc_text);
    if (!nc || *nc == 0) return verdict::replay;
    auto& rec = it->second;
    // Refuse: the nonce served one request already (kept, so a reuse is a replay, not stale).
    if (mode == nonce_reuse::refuse && rec.highest_nc != 0) return verdict::replay;
    // Accept: a 64-wide window; a count above the highest seen is accepted (and slides the
    // window), a count inside the window is accepted once, anything else is a replay.
    if (*nc > rec.highest_nc) {
        auto shift = *nc - rec.highest_nc;
        rec.window = shift >= 64 ? 0 : rec.window << shift;
        rec.window |= 1;
        rec.highest_nc = *nc;
        return verdict::ok;
    }
    auto diff = rec.highest_nc - *nc;
    if (diff >= 64 || (rec.window >> diff) & 1) return verdict::replay;
    rec.window |= (std::uint64_t{1} << diff);
    return verdict::ok;
}

void nonce_store::prune(time_point now, std::chrono::seconds lifetime) {
    std::erase_if(nonces_, [&](auto& kv) { return now - kv.second.issued > lifetime; });
}

access_list access_list::parse(std::string_view csv) {
    access_list out;
    while (!csv.empty()) {
        auto comma = csv.find(',');
        std::string entry(csv.substr(0, comma));
        csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
        if (entry.empty()) continue;
        auto slash = entry.find('/');
        boost::system::error_code ec;
        auto addr = boost::asio::ip::make_address(entry.substr(0, slash), ec);
        block b;
        b.v6 = !ec && addr.is_v6();
        unsigned max = b.v6 ? 128 : 32;
        b.prefix = max;
        if (!ec && slash != std::string::npos) {
            auto bits = detail::parse_int(std::string_view(entry).substr(slash + 1));
            if (!bits || *bits > max)
                ec = make_error_code(boost::system::errc::invalid_argument);
            else
                b.prefix = static_cast<unsigned>(*bits);
        }
        if (ec) throw std::invalid_argument("not an IP address or CIDR block: " + entry);
        if (b.v6) {
            auto bytes = addr.to_v6().to_bytes();
            std::copy(bytes.begin(), bytes.end(), b.bytes.begin());
        } else {
            auto bytes = addr.to_v4().to_bytes();
            std::copy(bytes.begin(), bytes.end(), b.bytes.begin());
        }
        out.blocks_.push_back(b);
        out.entries_.push_back(entry);
    }
    return out;
}

bool access_list::allows(std::string_view address) const {
    if (blocks_.empty()) return true;
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(address), ec);
    if (ec) return false;
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
    std::array<unsigned char, 16> bytes{};
    if (addr.is_v6()) {
        auto b = addr.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), bytes.begin());
    } else {
        auto b = addr.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), bytes.begin());
    }
    return std::any_of(blocks_.begin(), blocks_.end(), [&](const block& b) {
        if (b.v6 != addr.is_v6()) return false;
        unsigned full = b.prefix / 8, rest = b.prefix % 8;
        if (!std::equal(b.bytes.begin(), b.bytes.begin() + full, bytes.begin())) return false;
        if (rest == 0) return true;
        auto mask = static_cast<unsigned char>(0xff << (8 - rest));
        return (b.bytes[full] & mask) == (bytes[full] & mask);
    });
}

// ---------------------------------------------------------------------------------------------
// the core's authentication

std::uint64_t core::next_random() {
    random_state_ = splitmix64(random_state_);
    return random_state_;
}

void core::prune(time_point now) {
    if (now - last_prune_ < std::chrono::seconds(10) && nonces_.size() < 1'000'000) return;
    last_prune_ = now;
    nonces_.prune(now, opts_.nonce_lifetime);
    std::erase_if(tokens_, [&](auto& kv) { return now >= kv.second.expires; });
}

void core::add_challenge(response& r, bool stale, time_point now) {
    auto nonce = nonces_.issue(now, {next_random(), next_random(), next_random()});
    for (auto algo : opts_.digest_algorithms) {
        std::string h = "Digest realm=\"" + std::string(realm) + "\", domain=\"\", nonce=\"" +
                        nonce + "\", algorithm=" + std::string(digest::to_string(algo)) +
                        ", qop=\"auth\", stale=" + (stale ? "true" : "false");
        r.headers.emplace_back("WWW-Authenticate", std::move(h));
    }
    r.challenge = false;
}

response core::challenge(bool stale, time_point now) {
    auto r = unauthorized_body();
    add_challenge(r, stale, now);
    return r;
}

core::auth_result core::authenticate_bearer(std::string_view token, time_point now) {
    auth_result out;
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    auto it = tokens_.find(std::string(token));
    auto sa = it == tokens_.end() ? sa_by_id_.end() : sa_by_id_.find(it->second.client_id);
    if (it == tokens_.end() || now >= it->second.expires || sa == sa_by_id_.end() ||
        world_.service_accounts[sa->second].revoked) {
        if (it != tokens_.end()) tokens_.erase(it);
        auto r = api_error(401, "UNAUTHORIZED", "The access token is invalid or has expired.");
        r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        out.failure = std::move(r);
        return out;
    }
    out.who = &world_.service_accounts[sa->second];
    out.bearer = true;
    return out;
}

core::auth_result core::authenticate(const request& req, time_point now) {
    auth_result out;
    auto header = header_of(req, "authorization");
    if (starts_with_ci(header, "Bearer ") && world_.service == service_kind::cloud)
        return authenticate_bearer(std::string_view(header).substr(7), now);
    std::optional<digest::authorization> parsed;
    if (!header.empty())
        if (auto p = digest::parse_authorization(header)) parsed = std::move(*p);
    auto key = parsed ? key_by_id_.find(parsed->username) : key_by_id_.end();
    bool offered =
        parsed && std::find(opts_.digest_algorithms.begin(), opts_.digest_algorithms.end(),
                            parsed->algo) != opts_.digest_algorithms.end();
    if (!parsed || parsed->realm != realm || parsed->qop != "auth" || !offered ||
        parsed->uri != req.target || key == key_by_id_.end() ||
        world_.api_keys[key->second].revoked) {
        out.failure = challenge(false, now);
        return out;
    }
    const principal& p = world_.api_keys[key->second];
    auto expected = digest::compute_response(parsed->algo, parsed->username, realm, p.secret,
                                             req.method, parsed->uri, parsed->nonce, parsed->nc,
                                             parsed->cnonce, parsed->qop);
    if (expected != parsed->response) {
        out.failure = challenge(false, now);
        return out;
    }
    // The credentials are right; now the nonce. Unknown (from before a restart or pruned) and
    // expired nonces are stale: the client retries with the fresh nonce, no new credentials.
    // A reused one (a replayed count, or any reuse under --nonce-reuse refuse) is refused like a
    // wrong key: nothing tells the two apart.
    switch (nonces_.use(parsed->nonce, parsed->nc, now, opts_.reuse, opts_.nonce_lifetime)) {
        case nonce_store::verdict::ok:
            out.who = &p;
            return out;
        case nonce_store::verdict::stale:
            out.failure = challenge(true, now);
            return out;
        case nonce_store::verdict::replay:
            break;
    }
    out.failure = challenge(false, now);
    return out;
}

}  // namespace cmbulk::sim
