// The API errorCodes cmbulk acts on; see api_errc.hpp.
#include "cmbulk/api_errc.hpp"

#include <array>
#include <string>
#include <utility>

namespace cmbulk {
namespace {

constexpr std::array<std::pair<api_errc, std::string_view>, 14> names{{
    {api_errc::integration_not_configured, "INTEGRATION_NOT_CONFIGURED"},
    {api_errc::integration_already_configured, "INTEGRATION_ALREADY_CONFIGURED"},
    {api_errc::group_not_found, "GROUP_NOT_FOUND"},
    {api_errc::atlas_group, "ATLAS_GROUP"},
    {api_errc::rate_limited, "RATE_LIMITED"},
    {api_errc::rate_limited_token_bucket, "RATE_LIMITED_TOKEN_BUCKET"},
    {api_errc::user_unauthorized, "USER_UNAUTHORIZED"},
    {api_errc::ip_address_not_on_access_list, "IP_ADDRESS_NOT_ON_ACCESS_LIST"},
    {api_errc::invalid_integration_settings, "INVALID_INTEGRATION_SETTINGS"},
    {api_errc::integration_fields_invalid, "INTEGRATION_FIELDS_INVALID"},
    {api_errc::validation_error, "VALIDATION_ERROR"},
    {api_errc::alert_config_not_found, "ALERT_CONFIG_NOT_FOUND"},
    {api_errc::unexpected_error, "UNEXPECTED_ERROR"},
    {api_errc::service_unavailable, "SERVICE_UNAVAILABLE"},
}};

class api_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.api"; }
    std::string message(int v) const override {
        auto e = static_cast<api_errc>(v);
        if (e == api_errc::none) return "no API error";
        if (e == api_errc::other) return "an API error cmbulk does not act on";
        return "API error " + std::string(to_string(e));
    }
};

}  // namespace

api_errc parse_api_errc(std::string_view error_code) {
    if (error_code.empty()) return api_errc::none;
    for (auto& [e, text] : names)
        if (text == error_code) return e;
    return api_errc::other;
}

std::string_view to_string(api_errc e) {
    if (e == api_errc::none) return "";
    for (auto& [v, text] : names)
        if (v == e) return text;
    return "OTHER";
}

const boost::system::error_category& api_category() {
    static const api_category_impl c;
    return c;
}

}  // namespace cmbulk
