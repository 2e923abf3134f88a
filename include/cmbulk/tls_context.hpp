// The client's TLS settings in one place: an OpenSSL client context that verifies the peer
// against the system trust store or a given CA file (TLS 1.2 and later), or verifies nothing
// when the user asked for --insecure. Host names are checked per connection (http_connection).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace cmbulk {

/// A TLS client context: verify_peer, the system trust store or `cacert` (PEM), or no
/// verification when `insecure`. Null with `message` set when the CA file cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cacert,
                                                            bool insecure, std::string& message);

}  // namespace cmbulk
