// The fleet's credentials file (see credentials_file.hpp): parsed with toml++ into entries, then
// resolved (references, mode-600 key files, profiles) into one credential per organization.
// Every error names file:line and the field; no message holds a secret.
#include "cmbulk/credentials_file.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "cmbulk/catalogue.hpp"
#include "toml_util.hpp"

namespace cmbulk {

namespace {

constexpr std::array<std::string_view, 2> top_keys{"orgs", "profiles"};
constexpr std::array<std::string_view, 6> org_keys{"name",      "public-key",    "private-key",
                                                   "client-id", "client-secret", "profile"};

boost::system::error_code fail(diagnostics& diag, config_errc code, std::string file,
                               std::uint64_t line, std::string field, std::string message) {
    diag = {std::move(file), line, std::move(field), std::move(message)};
    return make_error_code(code);
}

std::string normal_key(std::string_view k) {
    std::string out(k);
    for (auto& c : out)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> known) {
    auto near = closest_name(word, known);
    return near.empty() ? "" : " (did you mean " + near + "?)";
}

bool is_env_name(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

/// Whether a secret's value is a reference: ${env:NAME} or ${file:PATH}.
bool is_reference(std::string_view v) {
    if (!v.starts_with("${") || !v.ends_with("}")) return false;
    if (v.starts_with("${env:")) return is_env_name(v.substr(6, v.size() - 7));
    return v.starts_with("${file:") && v.size() > 8;
}

/// The string values of one org's table, by normalised key, with their lines.
struct org_fields {
    std::map<std::string, std::pair<std::string, std::uint64_t>> values;
    const std::pair<std::string, std::uint64_t>* get(const std::string& k) const {
        auto it = values.find(k);
        return it == values.end() ? nullptr : &it->second;
    }
};

boost::system::result<org_fields> read_org_fields(const toml::table& tbl, const std::string& file,
                                                  const std::string& where, diagnostics& diag) {
    org_fields f;
    for (auto&& [k, v] : tbl) {
        auto key = normal_key(k.str());
        auto line = detail::line_of(v);
        if (std::find(org_keys.begin(), org_keys.end(), key) == org_keys.end())
            return fail(diag, config_errc::unknown_key, file, line, where + "." + key,
                        "unknown key" + did_you_mean(key, org_keys));
        auto s = v.value<std::string>();
        if (!s)
            return fail(diag, config_errc::bad_value, file, line, where + "." + key,
                        "must be a string");
        // Never echoed: the value of a secret key may be a secret.
        if ((key == "private-key" || key == "client-secret") && !is_reference(*s))
            return fail(diag, config_errc::secret_in_file, file, line, where + "." + key,
                        "a literal secret is refused: write \"${env:NAME}\" or \"${file:PATH}\" "
                        "(a file only you can read, mode 600)");
        f.values[key] = {std::move(*s), line};
    }
    return f;
}

/// One `[orgs.<id>]` table into an entry: exactly one of an API key, a service account, a profile.
boost::system::result<credential_entry> parse_org(std::string_view org_id, const toml::node& node,
                                                  const std::string& file, diagnostics& diag) {
    auto line = detail::line_of(node);
    std::string where = "orgs." + std::string(org_id);
    if (!is_object_id(org_id))
        return fail(diag, config_errc::bad_value, file, line, where,
                    "not an organization id (24 lowercase hexadecimal digits)");
    auto* tbl = node.as_table();
    if (!tbl) return fail(diag, config_errc::bad_value, file, line, where, "must be a table");
    auto f = read_org_fields(*tbl, file, where, diag);
    if (!f) return f.error();
    credential_entry e;
    e.org_id = std::string(org_id);
    e.file = file;
    e.line = line;
    if (auto* n = f->get("name")) e.name = n->first;
    struct pair_keys {
        const char* id;
        const char* secret;
        credential_kind kind;
    };
    int kinds = f->get("profile") ? 1 : 0;
    for (auto p : {pair_keys{"public-key", "private-key", credential_kind::api_key},
                   pair_keys{"client-id", "client-secret", credential_kind::service_account}}) {
        auto* id = f->get(p.id);
        auto* secret = f->get(p.secret);
        if (!id && !secret) continue;
        if (!id || !secret)
            return fail(diag, config_errc::incomplete_credential, file, (id ? id : secret)->second,
                        where,
                        std::string(id ? p.id : p.secret) + " without " + (id ? p.secret : p.id));
        ++kinds;
        e.kind = p.kind;
        e.public_id = id->first;
        e.secret_ref = secret->first;
        e.secret_line = secret->second;
    }
    if (kinds != 1)
        return fail(diag, config_errc::incomplete_credential, file, line, where,
                    std::string(kinds ? "more than one credential" : "no credential") +
                        ": give public-key + private-key, client-id + client-secret, or profile");
    if (auto* p = f->get("profile")) e.profile = p->first;
    return e;
}

boost::system::result<void> parse_profiles(const toml::node& node, const std::string& file,
                                           std::vector<credential_entry>& out, diagnostics& diag) {
    auto* arr = node.as_array();
    if (!arr)
        return fail(diag, config_errc::bad_value, file, detail::line_of(node), "profiles",
                    "must be an array of profile names");
    for (auto& item : *arr) {
        auto s = item.value<std::string>();
        if (!s || s->empty())
            return fail(diag, config_errc::bad_value, file, detail::line_of(item), "profiles",
                        "must be an array of profile names");
        credential_entry e;
        e.file = file;
        e.line = detail::line_of(item);
        e.profile = std::move(*s);
        out.push_back(std::move(e));
    }
    return {};
}

}  // namespace

std::string_view to_string(credential_kind k) {
    return k == credential_kind::api_key ? "API key" : "service account";
}

boost::system::result<std::vector<credential_entry>> parse_credentials_file(
    std::string_view text, std::string_view file_name, diagnostics& diag) {
    auto t = detail::parse_toml(text, file_name, diag);
    if (!t) return make_error_code(config_errc::syntax);
    std::string file(file_name);
    std::vector<credential_entry> out;
    for (auto&& [k, v] : *t) {
        auto key = normal_key(k.str());
        if (key == "profiles") {
            if (auto r = parse_profiles(v, file, out, diag); !r) return r.error();
        } else if (key == "orgs") {
            auto* orgs = v.as_table();
            if (!orgs)
                return fail(diag, config_errc::bad_value, file, detail::line_of(v), "orgs",
                            "must be a table of [orgs.<ORG-ID>] tables");
            for (auto&& [org, node] : *orgs) {
                auto e = parse_org(org.str(), node, file, diag);
                if (!e) return e.error();
                out.push_back(std::move(*e));
            }
        } else {
            return fail(diag, config_errc::unknown_key, file, k.source().begin.line, key,
                        "unknown key" + did_you_mean(key, top_keys));
        }
    }
    return out;
}

namespace {

/// The secret a reference stands for.
boost::system::result<std::string> resolve_secret(const credential_entry& e,
                                                  const std::filesystem::path& base_dir,
                                                  const env_lookup& env, const file_reader& read,
                                                  bool allow_insecure, diagnostics& diag) {
    auto field = "orgs." + e.org_id + "." +
                 (e.kind == credential_kind::api_key ? "private-key" : "client-secret");
    auto inner = std::string_view(e.secret_ref).substr(2, e.secret_ref.size() - 3);
    if (inner.starts_with("env:")) {
        if (auto v = env(inner.substr(4))) return *v;
        return fail(diag, config_errc::bad_value, e.file, e.secret_line, field,
                    e.secret_ref + ": the variable is not set");
    }
    std::filesystem::path path(std::string(inner.substr(5)));
    if (path.is_relative()) path = base_dir / path;
    diagnostics why;
    auto key = read_key_file(path, e.secret_ref, allow_insecure, read, why);
    if (!key)
        return fail(diag,
                    key.error() == config_errc::insecure_file ? config_errc::insecure_file
                                                              : config_errc::unreadable_file,
                    e.file, e.secret_line, field,
                    e.secret_ref + " (" + path.string() + "): " + why.message);
    return std::move(*key);
}

/// An entry that names a profile: the profile's credential, serving the profile's org_id.
boost::system::result<org_credential> resolve_profile_entry(const credential_entry& e,
                                                            const env_lookup& env,
                                                            const file_reader& read,
                                                            bool allow_insecure,
                                                            diagnostics& diag) {
    auto where = e.file + ":" + std::to_string(e.line);
    auto field = e.org_id.empty() ? std::string("profiles") : "orgs." + e.org_id + ".profile";
    diagnostics inner;
    auto request = parse_profile_request(e.profile, where, inner);
    boost::system::result<cli_profile> profile =
        request ? load_profile(*request, env, read, inner) : request.error();
    auto creds = profile ? profile_credentials(*profile, allow_insecure, inner)
                         : boost::system::result<resolved_credentials>(profile.error());
    if (!creds)
        return fail(diag, static_cast<config_errc>(creds.error().value()), e.file, e.line, field,
                    to_string(inner));
    org_credential c;
    c.org_id = e.org_id.empty() ? creds->org_id : e.org_id;
    if (c.org_id.empty() || !is_object_id(c.org_id))
        return fail(diag, config_errc::bad_value, e.file, e.line, field,
                    profile->where() + " has no org_id: write [orgs.<ORG-ID>] profile = \"" +
                        e.profile + "\"");
    if (!e.org_id.empty() && !creds->org_id.empty() && creds->org_id != e.org_id)
        return fail(diag, config_errc::conflict, e.file, e.line, field,
                    profile->where("org_id") + " serves organization " + creds->org_id + ", not " +
                        e.org_id);
    c.name = e.name.empty() ? profile->name : e.name;
    c.kind = creds->creds.public_key.empty() ? credential_kind::service_account
                                             : credential_kind::api_key;
    c.creds = std::move(creds->creds);
    c.source = where;
    c.secret_source = creds->source;
    return c;
}

}  // namespace

boost::system::result<std::vector<org_credential>> resolve_credentials_file(
    const std::vector<credential_entry>& entries, const std::filesystem::path& base_dir,
    const env_lookup& env, const file_reader& read, bool allow_insecure, diagnostics& diag) {
    std::vector<org_credential> out;
    std::map<std::string, std::string> served;  // org id -> the entry that serves it
    for (auto& e : entries) {
        org_credential c;
        if (!e.profile.empty()) {
            auto r = resolve_profile_entry(e, env, read, allow_insecure, diag);
            if (!r) return r.error();
            c = std::move(*r);
        } else {
            auto secret = resolve_secret(e, base_dir, env, read, allow_insecure, diag);
            if (!secret) return secret.error();
            c.org_id = e.org_id;
            c.name = e.name;
            c.kind = e.kind;
            (c.kind == credential_kind::api_key ? c.creds.public_key : c.creds.client_id) =
                e.public_id;
            (c.kind == credential_kind::api_key ? c.creds.private_key : c.creds.client_secret) =
                std::move(*secret);
            c.source = e.file + ":" + std::to_string(e.line);
            c.secret_source = e.secret_ref;
        }
        auto [it, fresh] = served.emplace(c.org_id, c.source);
        if (!fresh)
            return fail(
                diag, config_errc::duplicate_key, e.file, e.line, "",
                "organization " + c.org_id + " already has a credential (" + it->second + ")");
        out.push_back(std::move(c));
    }
    return out;
}

boost::system::result<std::vector<org_credential>> load_credentials_file(
    const std::filesystem::path& path, const env_lookup& env, const file_reader& read,
    bool allow_insecure, diagnostics& diag) {
    diagnostics why;
    auto f = read(path, why);
    if (!f) return fail(diag, config_errc::unreadable_file, path.string(), 0, "", why.message);
    auto entries = parse_credentials_file(f->text, path.string(), diag);
    if (!entries) return entries.error();
    return resolve_credentials_file(*entries, path.parent_path(), env, read, allow_insecure, diag);
}

std::string describe(const org_credential& c) {
    bool key = c.kind == credential_kind::api_key;
    return c.org_id + (c.name.empty() ? "" : " (" + c.name + ")") + ": " +
           std::string(to_string(c.kind)) + " " + (key ? c.creds.public_key : c.creds.client_id) +
           ", " + (key ? "private key" : "client secret") + " from " + c.secret_source + " (" +
           c.source + ")";
}

}  // namespace cmbulk
