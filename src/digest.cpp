// Digest authentication (RFC 7616 / RFC 2617): header parsing and response computation.
#include "cmbulk/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

namespace cmbulk::digest {
namespace {

struct parse_category_impl : boost::system::error_category {
    const char* name() const noexcept override { return "cmbulk.digest"; }
    std::string message(int ev) const override {
        switch (static_cast<parse_errc>(ev)) {
            case parse_errc::not_digest:
                return "not a Digest header";
            case parse_errc::malformed:
                return "malformed Digest header";
            case parse_errc::missing_nonce:
                return "Digest challenge without nonce";
            case parse_errc::missing_realm:
                return "Digest challenge without realm";
            case parse_errc::unsupported_algorithm:
                return "unsupported Digest algorithm";
            case parse_errc::unsupported_qop:
                return "Digest challenge without qop=auth";
            case parse_errc::missing_field:
                return "Digest authorization lacks a required field";
        }
        return "unknown digest error";
    }
};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One parsed challenge or credentials: the scheme and its auth-params (names lower-cased).
struct params_block {
    std::string scheme;
    std::map<std::string, std::string> params;
};

// Parses `scheme p1=v1, p2="v2", scheme2 p=...` into blocks. Token68 forms are not used by
// Digest and are skipped.
boost::system::result<std::vector<params_block>> parse_blocks(std::string_view s) {
    std::vector<params_block> blocks;
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
    };
    auto read_token = [&] {
        std::size_t start = i;
        while (i < s.size() && !is_space(s[i]) && s[i] != '=' && s[i] != ',') ++i;
        return std::string(s.substr(start, i - start));
    };
    while (true) {
        skip_ws();
        if (i >= s.size()) break;
        std::string tok = read_token();
        std::size_t after_tok = i;
        while (i < s.size() && is_space(s[i])) ++i;
        if (i < s.size() && s[i] == '=' && !blocks.empty()) {
            // name=value belongs to the current block.
            ++i;
            while (i < s.size() && is_space(s[i])) ++i;
            std::string value;
            if (i < s.size() && s[i] == '"') {
                ++i;
                bool closed = false;
                while (i < s.size()) {
                    char c = s[i++];
                    if (c == '\\' && i < s.size()) {
                        value.push_back(s[i++]);
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.push_back(c);
                    }
                }
                if (!closed) return make_error_code(parse_errc::malformed);
            } else {
                std::size_t start = i;
                while (i < s.size() && s[i] != ',' && !is_space(s[i])) ++i;
                value = std::string(s.substr(start, i - start));
            }
            for (auto& c : tok) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            blocks.back().params[tok] = value;
        } else {
            if (tok.empty()) return make_error_code(parse_errc::malformed);
            i = after_tok;
            blocks.push_back({tok, {}});
        }
    }
    if (blocks.empty()) return make_error_code(parse_errc::not_digest);
    return blocks;
}

std::string get(const std::map<std::string, std::string>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

}  // namespace

const boost::system::error_category& parse_category() {
    static parse_category_impl cat;
    return cat;
}

boost::system::error_code make_error_code(parse_errc e) {
    return {static_cast<int>(e), parse_category()};
}

std::string_view to_string(algorithm a) { return a == algorithm::sha256 ? "SHA-256" : "MD5"; }

std::optional<algorithm> parse_algorithm(std::string_view s) {
    if (s.empty() || iequals(s, "MD5")) return algorithm::md5;
    if (iequals(s, "SHA-256")) return algorithm::sha256;
    return std::nullopt;
}

boost::system::result<challenge> parse_challenge(std::string_view header) {
    auto blocks = parse_blocks(header);
    if (!blocks) return blocks.error();
    boost::system::error_code first_error = make_error_code(parse_errc::not_digest);
    std::optional<challenge> best;
    for (auto& b : *blocks) {
        if (!iequals(b.scheme, "Digest")) continue;
        challenge ch;
        auto algo = parse_algorithm(get(b.params, "algorithm"));
        if (!algo) {
            first_error = make_error_code(parse_errc::unsupported_algorithm);
            continue;
        }
        ch.algo = *algo;
        ch.realm = get(b.params, "realm");
        ch.nonce = get(b.params, "nonce");
        ch.opaque = get(b.params, "opaque");
        ch.domain = get(b.params, "domain");
        ch.stale = iequals(get(b.params, "stale"), "true");
        if (b.params.count("qop")) {
            std::string qop = get(b.params, "qop");
            std::size_t p = 0;
            while (p <= qop.size()) {
                auto q = qop.find(',', p);
                if (q == std::string::npos) q = qop.size();
                auto item = std::string_view(qop).substr(p, q - p);
                while (!item.empty() && is_space(item.front())) item.remove_prefix(1);
                while (!item.empty() && is_space(item.back())) item.remove_suffix(1);
                if (iequals(item, "auth")) ch.qop_auth = true;
                p = q + 1;
            }
            if (!ch.qop_auth) {
                first_error = make_error_code(parse_errc::unsupported_qop);
                continue;
            }
        }
        if (ch.nonce.empty()) {
            first_error = make_error_code(parse_errc::missing_nonce);
            continue;
        }
        if (!best || (best->algo == algorithm::md5 && ch.algo == algorithm::sha256)) best = ch;
    }
    if (best) return *best;
    return first_error;
}

boost::system::result<authorization> parse_authorization(std::string_view header) {
    auto blocks = parse_blocks(header);
    if (!blocks) return blocks.error();
    auto& b = blocks->front();
    if (!iequals(b.scheme, "Digest")) return make_error_code(parse_errc::not_digest);
    authorization a;
    auto algo = parse_algorithm(get(b.params, "algorithm"));
    if (!algo) return make_error_code(parse_errc::unsupported_algorithm);
    a.algo = *algo;
    a.username = get(b.params, "username");
    a.realm = get(b.params, "realm");
    a.nonce = get(b.params, "nonce");
    a.uri = get(b.params, "uri");
    a.response = get(b.params, "response");
    a.cnonce = get(b.params, "cnonce");
    a.opaque = get(b.params, "opaque");
    a.qop = get(b.params, "qop");
    a.nc = get(b.params, "nc");
    if (a.username.empty() || a.nonce.empty() || a.uri.empty() || a.response.empty())
        return make_error_code(parse_errc::missing_field);
    if (!a.qop.empty() && (a.cnonce.empty() || a.nc.empty()))
        return make_error_code(parse_errc::missing_field);
    return a;
}

namespace {

/// The digest algorithms, fetched once. EVP_md5()/EVP_sha256() in OpenSSL 3 make every
/// EVP_Digest look the implementation up again, under a lock (it showed in the profile).
const EVP_MD* fetched(algorithm a) {
    static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return a == algorithm::sha256 ? sha256 : md5;
}

/// One incremental hash. It uses a context kept per thread (the simulator verifies on several
/// threads), or a fresh one when that context is already in use by another hasher on this thread.
class hasher {
public:
    explicit hasher(algorithm a) {
        auto& slot = thread_slot();
        if (!slot.busy) {
            slot.busy = true;
            ctx_ = slot.ctx;
            shared_ = true;
        } else {
            ctx_ = EVP_MD_CTX_new();
        }
        EVP_DigestInit_ex2(ctx_, fetched(a), nullptr);
    }
    ~hasher() {
        if (shared_)
            thread_slot().busy = false;
        else
            EVP_MD_CTX_free(ctx_);
    }
    hasher(const hasher&) = delete;
    hasher& operator=(const hasher&) = delete;

    hasher& add(std::string_view data) {
        EVP_DigestUpdate(ctx_, data.data(), data.size());
        return *this;
    }
    /// The digest in lowercase hex, into `out`; the hex digits' view of it.
    std::string_view hex_into(char (&out)[2 * EVP_MAX_MD_SIZE]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx_, md, &len);
        static constexpr char digits[] = "0123456789abcdef";
        for (unsigned int i = 0; i < len; ++i) {
            out[2 * i] = digits[md[i] >> 4];
            out[2 * i + 1] = digits[md[i] & 0xf];
        }
        return {out, 2 * std::size_t{len}};
    }
    /// The digest in lowercase hex.
    std::string hex() {
        char out[2 * EVP_MAX_MD_SIZE];
        return std::string(hex_into(out));
    }

private:
    struct slot {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        bool busy = false;
        ~slot() { EVP_MD_CTX_free(ctx); }
    };
    static slot& thread_slot() {
        thread_local slot s;
        return s;
    }
    EVP_MD_CTX* ctx_ = nullptr;
    bool shared_ = false;
};

}  // namespace

std::string hash_hex(algorithm a, std::string_view data) { return hasher(a).add(data).hex(); }

std::string ha1_hex(algorithm a, std::string_view username, std::string_view realm,
                    std::string_view password) {
    return hasher(a).add(username).add(":").add(realm).add(":").add(password).hex();
}

std::string response_from_ha1(algorithm a, std::string_view ha1, std::string_view method,
                              std::string_view uri, std::string_view nonce, std::string_view nc,
                              std::string_view cnonce, std::string_view qop) {
    // Each hash's input is joined first and hashed in one update: a request's response is two
    // hashes, and an EVP update per piece cost more than the hashing (bench/profile.py).
    thread_local std::string input;
    input.assign(method).append(":").append(uri);
    char ha2[2 * EVP_MAX_MD_SIZE];
    auto ha2_hex = hasher(a).add(input).hex_into(ha2);
    input.assign(ha1).append(":").append(nonce).append(":");
    if (!qop.empty())
        input.append(nc).append(":").append(cnonce).append(":").append(qop).append(":");
    input.append(ha2_hex);
    auto response = hasher(a).add(input).hex();
    // The input holds H(A1), which stands in for the password: wiped before returning.
    std::fill(input.begin(), input.end(), '\0');
    return response;
}

std::string compute_response(algorithm a, std::string_view username, std::string_view realm,
                             std::string_view password, std::string_view method,
                             std::string_view uri, std::string_view nonce, std::string_view nc,
                             std::string_view cnonce, std::string_view qop) {
    std::string ha1 = ha1_hex(a, username, realm, password);
    auto response = response_from_ha1(a, ha1, method, uri, nonce, nc, cnonce, qop);
    // H(A1) stands in for the password; wipe our copy before returning.
    std::fill(ha1.begin(), ha1.end(), '\0');
    return response;
}

std::string format_nc(std::uint32_t nc) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", nc);
    return buf;
}

namespace {

void append_quoted(std::string& out, std::string_view v) {
    out += '"';
    // Quotes and backslashes are rare in nonces, URIs and hex digests: two memchr scans (SIMD in
    // glibc) tell the usual value apart, which is then appended whole (bench/profile.py).
    if (v.empty() ||
        (!std::memchr(v.data(), '"', v.size()) && !std::memchr(v.data(), '\\', v.size()))) {
        out.append(v);
        out += '"';
        return;
    }
    std::size_t run = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '"' && v[i] != '\\') continue;
        out.append(v.data() + run, i - run);
        out += '\\';
        run = i;  // the special byte itself starts the next run
    }
    out.append(v.data() + run, v.size() - run);
    out += '"';
}

}  // namespace

std::string make_authorization_from_ha1(const challenge& ch, std::string_view username,
                                        std::string_view ha1, std::string_view method,
                                        std::string_view uri, std::uint32_t nc,
                                        std::string_view cnonce) {
    const std::string nc_hex = format_nc(nc);
    std::string_view qop = ch.qop_auth ? "auth" : "";
    std::string response =
        response_from_ha1(ch.algo, ha1, method, uri, ch.nonce, nc_hex, cnonce, qop);
    // One string, reserved once: this runs for every request.
    std::string h;
    h.reserve(160 + username.size() + ch.realm.size() + ch.nonce.size() + uri.size() +
              response.size() + cnonce.size() + ch.opaque.size());
    h += "Digest username=";
    append_quoted(h, username);
    h += ", realm=";
    append_quoted(h, ch.realm);
    h += ", nonce=";
    append_quoted(h, ch.nonce);
    h += ", uri=";
    append_quoted(h, uri);
    h += ", algorithm=";
    h += to_string(ch.algo);
    h += ", response=";
    append_quoted(h, response);
    if (ch.qop_auth) {
        h += ", qop=auth, nc=";
        h += nc_hex;
        h += ", cnonce=";
        append_quoted(h, cnonce);
    }
    if (!ch.opaque.empty()) {
        h += ", opaque=";
        append_quoted(h, ch.opaque);
    }
    return h;
}

std::string make_authorization(const challenge& ch, std::string_view username,
                               std::string_view password, std::string_view method,
                               std::string_view uri, std::uint32_t nc, std::string_view cnonce) {
    std::string ha1 = ha1_hex(ch.algo, username, ch.realm, password);
    auto h = make_authorization_from_ha1(ch, username, ha1, method, uri, nc, cnonce);
    std::fill(ha1.begin(), ha1.end(), '\0');
    return h;
}

}  // namespace cmbulk::digest
