// The TLS client context; see tls_context.hpp.
#include "cmbulk/tls_context.hpp"

#include <fstream>

namespace cmbulk {

namespace asio = boost::asio;

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cacert, bool insecure,
                                                     std::string& message) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (insecure) {
        ctx->set_verify_mode(asio::ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!cacert.empty()) {
        std::ifstream probe(cacert);
        if (!probe) {
            message = "cannot read the CA file '" + cacert + "'";
            return nullptr;
        }
        ctx->load_verify_file(cacert, ec);
        if (ec) {
            message = "cannot load the CA file '" + cacert + "': " + ec.message();
            return nullptr;
        }
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            message = "cannot load the system trust store: " + ec.message();
            return nullptr;
        }
    }
    return ctx;
}

}  // namespace cmbulk
