// libFuzzer target: the HTTP Digest header parsers — the WWW-Authenticate challenge parser the
// client runs on every 401, and the Authorization parser the simulator runs on every request.
// A parsed challenge must also survive make_authorization and re-parse as an Authorization.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cmbulk/digest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto ch = cmbulk::digest::parse_challenge(text);
    (void)cmbulk::digest::parse_authorization(text);
    if (ch) {
        // What we would send back must be something our own server-side parser accepts.
        auto header = cmbulk::digest::make_authorization(*ch, "fuzz-user", "fuzz-secret", "GET",
                                                         "/api/public/v1.0/groups", 1, "0a1b2c3d");
        auto back = cmbulk::digest::parse_authorization(header);
        if (!back) std::abort();
        if (back->realm != ch->realm || back->nonce != ch->nonce || back->opaque != ch->opaque)
            std::abort();
    }
    return 0;
}
