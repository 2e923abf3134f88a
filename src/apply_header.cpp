// The checkpoint header of `cmbulk apply` and the differences a resume refuses; see
// apply_header.hpp.
#include "apply_header.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/digest.hpp"
#include "cmbulk/secret_ref.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk::detail {

namespace {

std::string random_salt() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string absolute_text(const std::filesystem::path& p) {
    if (p.empty()) return {};
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
    return ec ? p.string() : abs.string();
}

/// The name a user types for a header option key.
std::string option_name(const std::string& key) {
    if (key.starts_with("sethash.") || key.starts_with("set."))
        return "--set " + key.substr(key.find('.') + 1);
    if (key == "set") return "--set";
    return "--" + key;
}

}  // namespace

bool is_reference(std::string_view v) {
    return (v.starts_with("${env:") || v.starts_with("${file:")) && v.ends_with("}");
}

bool is_secret_field(std::string_view field) {
    for (auto& t : all_types())
        if (auto* f = t.find_field(field); f && f->secret != secrecy::none) return true;
    return false;
}

journal_header apply_header(const apply_options& o, const std::string& manifest_sha256,
                            std::string salt, const std::filesystem::path& report) {
    journal_header h;
    h.tool_version = std::string(version());
    h.manifest_sha256 = manifest_sha256;
    h.action = std::string(to_string(o.manifest_opts.default_action));
    h.flavor = std::string(to_string(o.api.api_flavor));
    h.base_url = o.api.base_url;
    if (salt.empty()) salt = random_salt();
    h.options["salt"] = salt;
    if (!o.manifest_opts.type.empty()) h.options["type"] = o.manifest_opts.type;
    std::string set_names;
    for (auto& [k, v] : o.manifest_opts.set_fields) {
        set_names += (set_names.empty() ? "" : ",") + k;
        // Never the value of a secret: a reference names where it is, a hash tells a change.
        if (is_reference(v) || !is_secret_field(k)) h.options["set." + k] = v;
        std::string error;
        auto resolved = resolve_value(v, {}, process_getenv, error);
        auto value = resolved ? resolved->value : v;
        h.options["sethash." + k] = digest::hash_hex(digest::algorithm::sha256, salt + value);
    }
    if (!set_names.empty()) h.options["set"] = set_names;
    if (o.verify) h.options["verify"] = "true";
    if (o.skip_unchanged) h.options["skip-unchanged"] = "true";
    if (o.skip_invalid) h.options["skip-invalid"] = "true";
    // What the alert half of a rotation does changes what is sent (issue 14).
    if (o.integrations_only) h.options["integrations-only"] = "true";
    if (o.link_alerts) h.options["link-alerts"] = "true";
    if (!o.from_last4.empty()) h.options["from-last4"] = o.from_last4;
    h.options["report"] = absolute_text(report);
    if (!o.html_report_path.empty()) h.options["html-report"] = absolute_text(o.html_report_path);
    h.options["manifest"] = absolute_text(o.manifest);
    return h;
}

std::vector<std::string> resume_differences(const journal_header& saved,
                                            const journal_header& now) {
    std::vector<std::string> out;
    auto a = saved.options, b = now.options;
    a.erase("manifest");
    b.erase("manifest");
    for (auto& [k, v] : a) {
        if (k == "salt" || k == "set" || k.starts_with("set.")) continue;
        auto it = b.find(k);
        if (it == b.end())
            out.push_back(option_name(k) + ": the recorded run had it" +
                          (k.starts_with("sethash.") || v == "true" ? "" : " (" + v + ")") +
                          ", now not given");
        else if (it->second != v)
            out.push_back(option_name(k) + ": " +
                          (k.starts_with("sethash.")
                               ? std::string("another value than the recorded run")
                               : "was " + v + ", now " + it->second));
    }
    for (auto& [k, v] : b) {
        if (k == "salt" || k == "set" || k.starts_with("set.") || a.count(k)) continue;
        out.push_back(option_name(k) + ": the recorded run did not have it" +
                      (k.starts_with("sethash.") || v == "true" ? "" : " (now " + v + ")"));
    }
    // The rest (manifest content, action, flavor, base URL) as the journal names it.
    auto s = saved, n = now;
    s.options.clear();
    n.options.clear();
    for (auto& d : compare_headers(s, n)) out.push_back(d);
    return out;
}

}  // namespace cmbulk::detail
