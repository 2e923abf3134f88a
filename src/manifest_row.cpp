// One manifest row's checks against the catalogue: the row keys (projectId, orgId, type, action),
// each field's value (booleans, enums, lengths, masked secrets, ${env:..} / ${file:..} references),
// --set, the flavor's required fields and duplicate rows. A method per check; errors follow the
// row's columns in order. No message ever carries a secret or a value read through a reference.
#include <algorithm>
#include <cctype>

#include "cmbulk/manifest_source.hpp"
#include "manifest_state.hpp"

namespace cmbulk {

namespace detail {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string in_quotes(std::string_view s) { return "\"" + detail::printable(s) + "\""; }

std::string did_you_mean(std::string_view word, std::span<const std::string_view> names) {
    auto hint = closest_name(word, names);
    return hint.empty() ? std::string() : "; did you mean \"" + hint + "\"?";
}

}  // namespace detail

using detail::did_you_mean;
using detail::in_quotes;
using detail::lower;

namespace {

std::string kind_name(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::bool_:
            return "a boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
        case boost::json::kind::double_:
            return "a number";
        case boost::json::kind::array:
            return "an array";
        case boost::json::kind::object:
            return "an object";
        case boost::json::kind::string:
            return "a string";
        case boost::json::kind::null:
            return "null";
    }
    return "a value";
}

/// A hint for a wrong enum value, only when it is close for its length ("eu" -> "EU", not
/// "XX" -> "US").
std::string enum_hint(std::string_view value, std::span<const std::string_view> values) {
    auto hint = closest_name(value, values);
    if (hint.empty() || edit_distance(value, hint) > std::max<std::size_t>(1, value.size() / 3))
        return {};
    return "; did you mean \"" + hint + "\"?";
}

/// Characters of a UTF-8 string (bytes that do not continue a sequence).
std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

/// A JSON value that gives a field a value (not null, not an empty string).
bool has_content(const boost::json::value& v) {
    return !v.is_null() && !(v.is_string() && v.get_string().empty());
}

// The per-flavor rules of the catalogue (api-facts.md's type and field tables), as messages.

/// "DATADOG is not offered on Cloud Manager; the flavors that take it: ops-manager, ...".
std::string not_offered(const type_spec& t, flavor fl) {
    return std::string(t.name) + " is not offered on " + std::string(display_name(fl)) +
           "; the flavors that take it: " + describe(flavors_accepting(t));
}

/// "not a field of WEBHOOK on Cloud Manager; only on: atlas".
std::string not_a_field_on(const type_spec& t, const field_spec& f, flavor fl) {
    return "not a field of " + std::string(t.name) + " on " + std::string(display_name(fl)) +
           "; only on: " + describe(f.flavors);
}

/// The length limit a flavor puts on the field (Slack channelName: 80 on v2), or "".
std::string too_long(const field_spec& f, std::string_view value, flavor fl) {
    if (!f.max_length || !contains(f.max_length_on, fl) || utf8_length(value) <= f.max_length)
        return {};
    return "too long: " + std::to_string(utf8_length(value)) + " characters, at most " +
           std::to_string(f.max_length) + " on " + std::string(display_name(fl));
}

detail::dup_key make_dup_key(std::string_view id, const type_spec* t) {
    detail::dup_key k;
    auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < 12; ++i)
        k.b[i] = static_cast<unsigned char>(hex(id[2 * i]) * 16 + hex(id[2 * i + 1]));
    k.b[12] = static_cast<unsigned char>(t - all_types().data());
    return k;
}

}  // namespace

namespace detail {

/// The checks of one row, in the order their errors are reported.
class row_checker {
public:
    row_checker(manifest_reader::state& st, parsed_row& out, bool check_only)
        : st_(st), out_(out), check_only_(check_only), fl_(st.opts.target_flavor) {}

    void run(const boost::json::object& raw) {
        // (Not erased from `raw`: erasing reorders a boost::json::object, and errors follow
        // columns.)
        auto pid = take(raw, "projectId");
        auto type = take(raw, "type");
        auto action = take(raw, "action");
        check_org(take(raw, "orgId"));
        check_stale_last4(take(raw, "fromLast4"));
        check_project(pid);
        check_type(type);
        check_action(action);
        if (!check_only_) out_.row.fields.reserve(raw.size());
        for (auto& kv : raw) check_field(kv.key(), kv.value());
        if (ts_) {
            apply_sets();
            if (effective_ != row_action::del) check_required();
        }
        if (st_.opts.check_duplicates && id_ok_ && ts_) check_duplicate(*pid);
    }

private:
    void err(std::string_view field, std::string message,
             manifest_errc code = manifest_errc::invalid_value) {
        out_.errors.push_back(
            {st_.file, out_.row.line, std::string(field), std::move(message), code});
    }

    /// A row key's value: a string, or absent (missing, null or empty).
    std::optional<std::string_view> take(const boost::json::object& raw, std::string_view key) {
        auto it = raw.find(key);
        if (it == raw.end()) return std::nullopt;
        std::optional<std::string_view> v;
        if (it->value().is_string()) {
            if (!it->value().get_string().empty()) v = std::string_view(it->value().get_string());
        } else if (!it->value().is_null()) {
            err(key, "expected a string, got " + kind_name(it->value()));
        }
        return v;
    }

    /// orgId: which organization's credential serves the row (apply --credentials).
    void check_org(std::optional<std::string_view> org) {
        if (!org) return;
        out_.row.org_id = *org;
        if (!is_object_id(*org))
            err("orgId", "invalid organization id " + in_quotes(*org) +
                             ": expected 24 lowercase hexadecimal characters");
    }

    /// fromLast4: "0022" or "0022;beef", each exactly four characters, none of them '*'.
    void check_stale_last4(std::optional<std::string_view> v) {
        if (!v) return;
        std::string_view rest = *v;
        for (bool more = true; more;) {
            auto semi = rest.find(';');
            auto one = rest.substr(0, semi);
            more = semi != std::string_view::npos;
            if (more) rest = rest.substr(semi + 1);
            if (one.size() != 4 || one.find('*') != std::string_view::npos) {
                err("fromLast4", "invalid value " + in_quotes(one) +
                                     ": expected the last four characters of an old secret "
                                     "(several separated by ';')");
                return;
            }
            out_.row.stale_last4.emplace_back(one);
        }
    }

    void check_project(std::optional<std::string_view> pid) {
        if (!pid) {
            err("projectId", "missing (required)", manifest_errc::missing_field);
            return;
        }
        out_.row.project_id = *pid;
        id_ok_ = is_object_id(*pid);
        if (!id_ok_)
            err("projectId", "invalid project id " + in_quotes(*pid) +
                                 ": expected 24 lowercase hexadecimal characters");
    }

    void check_type(std::optional<std::string_view> type) {
        std::string t(type.value_or(""));
        if (!st_.opts.type.empty()) {
            if (t.empty())
                t = st_.opts.type;
            else if (t != st_.opts.type)
                err("type", "type " + in_quotes(t) + " differs from --type " + st_.opts.type);
        }
        out_.row.type = t;
        if (t.empty()) {
            err("type", "missing (give a type column or --type)", manifest_errc::missing_field);
            return;
        }
        ts_ = find_type(t);
        if (!ts_) {
            std::vector<std::string_view> types;
            for (auto& x : all_types()) types.push_back(x.name);
            err("type", "unknown type " + in_quotes(t) + did_you_mean(t, types),
                manifest_errc::unknown_type);
        } else if (ts_->support(fl_) != type_support::full) {
            err("type", not_offered(*ts_, fl_), manifest_errc::not_on_flavor);
            ts_ = nullptr;  // its fields cannot be judged either
        }
    }

    void check_action(std::optional<std::string_view> action) {
        if (action) {
            if (auto a = parse_action(*action))
                out_.row.action = *a;
            else
                err("action", "unknown action " + in_quotes(*action) +
                                  ": expected create, update, upsert or delete");
        }
        effective_ =
            out_.row.action != row_action::none ? out_.row.action : st_.opts.default_action;
    }

    /// Keeps a checked value (a std::string_view or a bool) and marks the field as given (by
    /// catalogue index, for the required check; in check-only mode nothing is stored).
    template <class V>
    void keep(const field_spec& fs, V v) {
        auto i = static_cast<std::size_t>(&fs - ts_->fields.data());
        if (i < 64) present_ |= std::uint64_t{1} << i;
        if (!check_only_) out_.row.fields[fs.name] = v;
    }
    bool has_value(const field_spec& fs) const {
        auto i = static_cast<std::size_t>(&fs - ts_->fields.data());
        return i < 64 ? (present_ >> i & 1) != 0 : out_.row.fields.contains(fs.name);
    }

    /// Stores one value of a known field after checking it; a value may be shown in a message
    /// only when it is neither a secret nor read through a reference.
    void store(const field_spec& fs, std::string_view value, bool from_reference,
               std::string_view origin) {
        bool echo = fs.secret == secrecy::none && !from_reference;
        std::string suffix = origin.empty() ? std::string() : " (" + std::string(origin) + ")";
        switch (fs.kind) {
            case field_kind::boolean:
                return store_boolean(fs, value, echo, suffix);
            case field_kind::enumeration:
                return store_enumeration(fs, value, echo, suffix);
            case field_kind::string:
                return store_string(fs, value, suffix);
        }
    }
    void store_boolean(const field_spec& fs, std::string_view value, bool echo,
                       const std::string& suffix) {
        auto l = lower(value);
        if (l == "true" || l == "false")
            keep(fs, l == "true");
        else
            err(fs.name, (echo ? "invalid boolean " + in_quotes(value) : "invalid boolean") +
                             ": expected true or false" + suffix);
    }
    void store_enumeration(const field_spec& fs, std::string_view value, bool echo,
                           const std::string& suffix) {
        if (std::find(fs.enum_values.begin(), fs.enum_values.end(), value) !=
            fs.enum_values.end()) {
            keep(fs, value);
            return;
        }
        std::string expected;
        for (auto v : fs.enum_values) expected += (expected.empty() ? "" : ", ") + std::string(v);
        err(fs.name, (echo ? "invalid value " + in_quotes(value) : "invalid value") +
                         ": expected one of " + expected + suffix +
                         (echo ? enum_hint(value, fs.enum_values) : ""));
    }
    void store_string(const field_spec& fs, std::string_view value, const std::string& suffix) {
        if (auto long_one = too_long(fs, value, fl_); !long_one.empty()) {
            err(fs.name, long_one + suffix);
            return;
        }
        if (fs.secret != secrecy::none && looks_masked(value)) {
            err(fs.name,
                "invalid value: it looks masked (contains \"****\"); give the real secret, not "
                "the API's masked form" +
                    suffix);
            return;
        }
        keep(fs, value);
    }

    bool is_set(std::string_view name) const {
        return std::any_of(
            st_.sets.begin(), st_.sets.end(),
            [&](const manifest_reader::state::set_value& s) { return s.name == name; });
    }

    /// One column of the row (the row keys are checked apart).
    void check_field(std::string_view name, const boost::json::value& v) {
        if (name == "projectId" || name == "orgId" || name == "type" || name == "action" ||
            name == "fromLast4")
            return;
        if (!ts_) return;  // the type is already an error; its fields cannot be judged
        const field_spec* fs = ts_->find_field(name);
        if (fs && !type_spec::has_field(*fs, fl_)) {
            // Another flavor's field: an error when it has a value (an empty cell sends nothing).
            if (has_content(v))
                err(fs->name, not_a_field_on(*ts_, *fs, fl_), manifest_errc::not_on_flavor);
            return;
        }
        if (!fs) return unknown_field(name);
        if (is_set(name)) return;  // --set overrides the row's value
        if (v.is_null()) return;
        if (v.is_bool()) {
            if (fs->kind == field_kind::boolean)
                keep(*fs, v.get_bool());
            else
                err(fs->name, "expected a string, got a boolean");
            return;
        }
        if (!v.is_string()) {
            err(fs->name, "expected a " +
                              std::string(fs->kind == field_kind::boolean ? "boolean" : "string") +
                              ", got " + kind_name(v));
            return;
        }
        std::string_view s = v.get_string();
        if (s.empty()) return;  // empty means absent, as an empty CSV cell
        if (s.find("${") == std::string_view::npos)
            store(*fs, s, false, "");
        else
            store_reference(*fs, s);
    }

    void unknown_field(std::string_view name) {
        if (is_read_only(ts_->name, name)) {
            err(detail::printable(name), "read-only: the API sets it; remove it from the manifest");
            return;
        }
        std::vector<std::string_view> type_fields;
        for (auto& f : ts_->fields) type_fields.push_back(f.name);
        auto hint = did_you_mean(name, type_fields);
        if (hint.empty() &&
            std::find(st_.all_names.begin(), st_.all_names.end(), name) != st_.all_names.end())
            hint = "; it is not a field of " + std::string(ts_->name);
        err(detail::printable(name), "unknown field" + hint, manifest_errc::unknown_field);
    }

    /// A value holding a ${env:..} / ${file:..} reference, resolved once per distinct text.
    void store_reference(const field_spec& fs, std::string_view s) {
        auto& c = st_.ref_cache[std::string(s)];
        if (!c.value && c.error.empty()) {
            c.value = resolve_value(s, st_.base_dir, st_.opts.getenv, c.error);
            if (!c.value && c.error.empty()) c.error = "unresolvable reference";
        }
        if (!c.value)
            err(fs.name, c.error, manifest_errc::bad_reference);
        else if (c.value->value.empty())
            err(fs.name, "the reference resolved to an empty value", manifest_errc::bad_reference);
        else
            store(fs, c.value->value, c.value->from_reference, "");
        // Only references are worth caching; keep the cache small otherwise.
        if (!c.value || !c.value->from_reference || st_.ref_cache.size() > 1024)
            st_.ref_cache.erase(std::string(s));
    }

    void apply_sets() {
        for (auto& sv : st_.sets) {
            if (!sv.ok) continue;  // already reported once as an option error
            const field_spec* fs = ts_->find_field(sv.name);
            if (!fs) {
                err(sv.name, "unknown field for type " + std::string(ts_->name) + " (from --set)",
                    manifest_errc::unknown_field);
            } else if (!type_spec::has_field(*fs, fl_)) {
                err(sv.name, not_a_field_on(*ts_, *fs, fl_) + " (from --set)",
                    manifest_errc::not_on_flavor);
            } else {
                store(*fs, sv.value, sv.from_reference, "from --set");
            }
        }
    }

    void check_required() {
        for (auto& f : ts_->fields) {
            if (!type_spec::is_required(f, fl_) || has_value(f)) continue;
            // A field that failed its own check already has an error.
            bool reported = std::any_of(out_.errors.begin(), out_.errors.end(),
                                        [&](const manifest_error& e) { return e.field == f.name; });
            if (!reported)
                err(f.name,
                    "missing required field" + (is_atlas(fl_)
                                                    ? " (" + std::string(display_name(fl_)) + ")"
                                                    : std::string()),
                    manifest_errc::missing_field);
        }
    }

    void check_duplicate(std::string_view pid) {
        auto [it, inserted] = st_.seen.try_emplace(make_dup_key(pid, ts_), out_.row.line);
        if (!inserted)
            err("projectId",
                "duplicate row for project " + std::string(pid) + " and type " +
                    std::string(ts_->name) + " (first on line " + std::to_string(it->second) + ")",
                manifest_errc::duplicate_row);
    }

    manifest_reader::state& st_;
    parsed_row& out_;
    bool check_only_;
    flavor fl_;
    const type_spec* ts_ = nullptr;
    bool id_ok_ = false;
    row_action effective_ = row_action::none;
    std::uint64_t present_ = 0;  ///< fields of the type given a value, by catalogue index
};

}  // namespace detail

parsed_row manifest_reader::finish_row(std::uint64_t line, boost::json::object raw,
                                       std::vector<manifest_error> pre_errors) {
    parsed_row out;
    out.row.line = line;
    out.row.index = rows_++;
    out.errors = std::move(pre_errors);
    detail::row_checker(*st_, out, check_only_).run(raw);
    return out;
}

}  // namespace cmbulk
