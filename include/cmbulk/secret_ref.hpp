// Secret references of manifests and --set, so that neither needs to hold a secret: a whole
// `${env:NAME}` or `${file:PATH}` value becomes what it names, `$${` a literal `${`. Messages name
// the variable or file, never a value.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cmbulk {

/// Resolves one value: a whole `${env:NAME}` or `${file:PATH}` becomes the variable's value or
/// the file's content (one trailing newline stripped; a relative PATH is taken relative to
/// `base_dir`); `$${` becomes a literal `${`; any other `${` is an error. On error the string
/// explains (naming the variable or file, never a value).
struct resolved_value {
    std::string value;
    bool from_reference = false;  ///< the value came from ${env:..} or ${file:..}
};
std::optional<resolved_value> resolve_value(
    std::string_view raw, const std::filesystem::path& base_dir,
    const std::function<std::optional<std::string>(std::string_view)>& getenv, std::string& error);

/// The process environment's NAME (::getenv): the lookup resolve_value uses when given none.
std::optional<std::string> process_getenv(std::string_view name);

}  // namespace cmbulk
