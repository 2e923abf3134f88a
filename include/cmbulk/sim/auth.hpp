// The simulator's authentication parts that hold state: the Digest nonces it issued (with their
// nonce counts, and whether a nonce may serve more than one request), and the API access list
// (CIDR blocks). Pure: no clock of their own, no sockets.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cmbulk/limiter.hpp"

namespace cmbulk::sim {

/// Whether a Digest nonce is good for more than one request.
enum class nonce_reuse {
    accept,  ///< for its lifetime, with a nonce count above the highest seen (or unseen in the
             ///< 64 below it: concurrent requests sharing a nonce)
    refuse,  ///< one request per nonce, as MongoDB's own Digest client assumes
};
/// "accept" or "refuse".
std::string_view to_string(nonce_reuse r);
std::optional<nonce_reuse> parse_nonce_reuse(std::string_view s);

/// The nonces handed out in challenges.
class nonce_store {
public:
    enum class verdict {
        ok,
        stale,   ///< unknown (pruned, from before a restart) or expired: 401 stale=true
        replay,  ///< a nonce count seen before, or any reuse under nonce_reuse::refuse
    };

    /// A new nonce of 32 characters of the base64 alphabet (with '+' and '/'), made from
    /// `random` (three PRNG outputs), valid from `now`.
    std::string issue(time_point now, const std::array<std::uint64_t, 3>& random);
    /// Checks and records one use of `nonce` with nonce count `nc` (8 hex digits).
    verdict use(const std::string& nonce, std::string_view nc, time_point now, nonce_reuse mode,
                std::chrono::seconds lifetime);
    /// Drops nonces older than `lifetime`.
    void prune(time_point now, std::chrono::seconds lifetime);
    void clear() { nonces_.clear(); }
    std::size_t size() const { return nonces_.size(); }

private:
    struct record {
        time_point issued;
        std::uint64_t highest_nc = 0;
        std::uint64_t window = 0;  ///< bit i set: nc highest_nc - i was seen
    };
    std::unordered_map<std::string, record> nonces_;
};

/// The API access list: requests from other addresses are refused (403
/// IP_ADDRESS_NOT_ON_ACCESS_LIST). Empty: every address is allowed.
class access_list {
public:
    /// Parses "10.0.0.0/8,192.168.1.7,::1/128" (an address alone is a /32 or /128); throws
    /// std::invalid_argument naming the entry that is not an address or block.
    static access_list parse(std::string_view comma_separated);
    bool empty() const { return blocks_.empty(); }
    /// Whether `address` (IPv4, IPv6, or IPv4-mapped IPv6) is inside one of the blocks; an
    /// address that does not parse is not.
    bool allows(std::string_view address) const;
    /// The entries as given (for /__sim/state and messages).
    const std::vector<std::string>& entries() const { return entries_; }

private:
    struct block {
        std::array<unsigned char, 16> bytes{};
        unsigned prefix = 0;
        bool v6 = false;
    };
    std::vector<block> blocks_;
    std::vector<std::string> entries_;
};

/// Base64 (RFC 4648, standard alphabet, padded) of `bytes`, and back (nullopt when `text` is
/// not valid base64). OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock underneath.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cmbulk::sim
