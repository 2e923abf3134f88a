// Secret references: `${env:NAME}` and `${file:PATH}` resolved to what they name, `$${` for a
// literal `${`; see secret_ref.hpp. No message ever carries a value.
#include "cmbulk/secret_ref.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "cmbulk/manifest_source.hpp"
#include "cmbulk/utf8.hpp"

namespace cmbulk {

namespace {

bool is_env_name(std::string_view n) {
    if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

}  // namespace

std::optional<std::string> process_getenv(std::string_view name) {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

std::optional<resolved_value> resolve_value(
    std::string_view raw, const std::filesystem::path& base_dir,
    const std::function<std::optional<std::string>(std::string_view)>& getenv, std::string& error) {
    bool whole = raw.size() > 3 && raw.substr(0, 2) == "${" && raw.back() == '}';
    if (whole && raw.substr(2, 4) == "env:") {
        auto name = raw.substr(6, raw.size() - 7);
        if (!is_env_name(name)) {
            error = "invalid environment variable name in ${env:" + detail::printable(name) + "}";
            return std::nullopt;
        }
        auto v = getenv ? getenv(name) : process_getenv(name);
        if (!v) {
            error = "environment variable " + std::string(name) + " is not set";
            return std::nullopt;
        }
        return resolved_value{std::move(*v), true};
    }
    if (whole && raw.substr(2, 5) == "file:") {
        auto name = raw.substr(7, raw.size() - 8);
        auto shown = "${file:" + detail::printable(name, 200) + "}";
        if (name.empty()) {
            error = "empty path in ${file:}";
            return std::nullopt;
        }
        std::filesystem::path p{std::string(name)};
        if (p.is_relative() && !base_dir.empty()) p = base_dir / p;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(p, ec)) {
            error = "cannot read " + shown + ": " +
                    (std::filesystem::exists(p, ec) ? "not a regular file" : "no such file");
            return std::nullopt;
        }
        auto size = std::filesystem::file_size(p, ec);
        if (ec || size > detail::max_reference_file_bytes) {
            error = "cannot read " + shown + ": " + (ec ? ec.message() : "larger than 1 MiB");
            return std::nullopt;
        }
        std::ifstream in(p, std::ios::binary);
        std::string content(static_cast<std::size_t>(size), '\0');
        if (!in || !in.read(content.data(), static_cast<std::streamsize>(size))) {
            error = "cannot read " + shown;
            return std::nullopt;
        }
        // One trailing newline (LF or CRLF) is stripped: editors add one.
        if (!content.empty() && content.back() == '\n') {
            content.pop_back();
            if (!content.empty() && content.back() == '\r') content.pop_back();
        }
        if (!is_valid_utf8(content)) {
            error = "the content of " + shown + " is not valid UTF-8";
            return std::nullopt;
        }
        return resolved_value{std::move(content), true};
    }
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        if (raw.substr(i, 3) == "$${") {
            out += "${";
            i += 3;
        } else if (raw.substr(i, 2) == "${") {
            error =
                "a reference must be the whole value, ${env:NAME} or ${file:PATH} (write $${ for "
                "a literal ${)";
            return std::nullopt;
        } else {
            out += raw[i++];
        }
    }
    return resolved_value{std::move(out), false};
}

}  // namespace cmbulk
