// Base64 (RFC 4648 §4, the standard alphabet with padding) on OpenSSL's EVP_EncodeBlock and
// EVP_DecodeBlock: Basic credentials of the token endpoint and of proxies. A pure leaf.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cmbulk {

/// Base64 of `in`, padded with '='.
std::string base64_encode(std::string_view in);

/// The bytes `in` encodes, or nullopt when it is not padded base64 of the standard alphabet (a
/// length that is not a multiple of 4, another character, '=' anywhere but at the end).
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace cmbulk
