// The API's errorCodes that cmbulk acts on, as an error-code enum with its category: the api
// layer parses an error body's "errorCode" once (api_call_result::api_error) and the machines
// and the classifier (retry.hpp) compare enum values, never strings. Codes cmbulk does not act
// on are `other` (the text stays in api_call_result::error_code for the report). A leaf.
#pragma once

#include <boost/system/error_code.hpp>
#include <string_view>
#include <type_traits>

namespace cmbulk {

enum class api_errc {
    none = 0,                        ///< no error body, or one without an errorCode
    integration_not_configured,      ///< 404: the project has no integration of that type
    integration_already_configured,  ///< 409: POST of a type the project already has
    group_not_found,                 ///< 404: no such project
    atlas_group,                     ///< 404 on v1.0: the project is an Atlas project
    rate_limited,                    ///< 429
    rate_limited_token_bucket,       ///< 429 with the bucket's parameters
    user_unauthorized,               ///< 401/403: the key's role may not do this
    ip_address_not_on_access_list,   ///< 403: the caller's address is not on the API access list
    invalid_integration_settings,    ///< 400: a field value the service refuses
    integration_fields_invalid,      ///< 400
    validation_error,                ///< 400 (e.g. itemsPerPage too large)
    alert_config_not_found,          ///< 404 (alert configurations)
    unexpected_error,                ///< 500
    service_unavailable,             ///< 503
    other,                           ///< an errorCode cmbulk does not act on
};

/// The errorCode text of an API error body, as an enum (an empty text: none; unknown: other).
api_errc parse_api_errc(std::string_view error_code);
/// The API's spelling ("INTEGRATION_NOT_CONFIGURED"); "" for none, "OTHER" for other.
std::string_view to_string(api_errc e);

const boost::system::error_category& api_category();
inline boost::system::error_code make_error_code(api_errc e) {
    return {static_cast<int>(e), api_category()};
}

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::api_errc> : std::true_type {};
