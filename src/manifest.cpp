// The manifest module's validation layer: turns raw rows from the syntax layer into manifest_rows
// checked against the catalogue (ids, types, actions, fields, enums, booleans, required fields,
// duplicates), resolves ${env:..} / ${file:..} references (secret_ref.cpp), applies --type / --set,
// and runs the whole-manifest pass. No message ever carries a secret or a value read through a
// reference.
#include "cmbulk/manifest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "cmbulk/manifest_source.hpp"

namespace cmbulk {

namespace {

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

/// A (project, type) pair in 13 bytes: the id's 12 bytes and the type's index.
struct dup_key {
    std::array<unsigned char, 13> b{};
    bool operator==(const dup_key&) const = default;
};
struct dup_hash {
    std::size_t operator()(const dup_key& k) const noexcept {
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a
        for (auto c : k.b) h = (h ^ c) * 1099511628211ull;
        return static_cast<std::size_t>(h);
    }
};

dup_key make_dup_key(std::string_view id, const type_spec* t) {
    dup_key k;
    auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < 12; ++i)
        k.b[i] = static_cast<unsigned char>(hex(id[2 * i]) * 16 + hex(id[2 * i + 1]));
    k.b[12] = static_cast<unsigned char>(t - all_types().data());
    return k;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// small public helpers

std::optional<manifest_format> format_from_path(const std::filesystem::path& p) {
    return parse_format(lower(p.extension().string()).substr(p.extension().empty() ? 0 : 1));
}

std::string_view to_string(manifest_format f) {
    switch (f) {
        case manifest_format::csv:
            return "csv";
        case manifest_format::json:
            return "json";
        case manifest_format::jsonl:
            return "jsonl";
    }
    return "csv";
}

std::optional<manifest_format> parse_format(std::string_view s) {
    if (s == "csv") return manifest_format::csv;
    if (s == "json") return manifest_format::json;
    if (s == "jsonl" || s == "ndjson") return manifest_format::jsonl;
    return std::nullopt;
}

std::optional<row_action> parse_action(std::string_view s) {
    if (s == "create") return row_action::create;
    if (s == "update") return row_action::update;
    if (s == "upsert") return row_action::upsert;
    if (s == "delete") return row_action::del;
    return std::nullopt;
}

std::string_view to_string(row_action a) {
    switch (a) {
        case row_action::none:
            return "";
        case row_action::create:
            return "create";
        case row_action::update:
            return "update";
        case row_action::upsert:
            return "upsert";
        case row_action::del:
            return "delete";
    }
    return "";
}

// ---------------------------------------------------------------------------------------------
// manifest_reader

struct manifest_reader::state {
    manifest_options opts;
    std::string file;
    std::filesystem::path base_dir;
    std::vector<std::string_view> all_names;
    struct set_value {
        std::string name;
        std::string value;
        bool from_reference = false;
        bool ok = false;
    };
    std::vector<set_value> sets;
    std::unordered_map<dup_key, std::uint64_t, dup_hash> seen;
    // References repeat on every row (one token for all projects): resolve each once.
    struct cached {
        std::optional<resolved_value> value;
        std::string error;
    };
    std::unordered_map<std::string, cached> ref_cache;
};

manifest_reader::~manifest_reader() = default;

void manifest_reader::add_file_error(std::uint64_t line, std::string field, std::string message,
                                     manifest_errc code) {
    file_errors_.push_back({st_->file, line, std::move(field), std::move(message), code});
}

void manifest_reader::take_notes(detail::source_notes& notes) {
    for (auto& e : notes.errors)
        add_file_error(e.line, std::move(e.field), std::move(e.message), e.code);
    for (auto& w : notes.warnings)
        warnings_.push_back({st_->file, w.line, std::move(w.field), std::move(w.message)});
}

std::unique_ptr<manifest_reader> manifest_reader::open(const std::filesystem::path& path,
                                                       const manifest_options& opts) {
    std::unique_ptr<manifest_reader> r(new manifest_reader());
    r->st_ = std::make_unique<state>();
    auto& st = *r->st_;
    st.opts = opts;
    if (!st.opts.getenv) st.opts.getenv = process_getenv;
    if (st.opts.default_action == row_action::none) st.opts.default_action = row_action::create;
    st.file = path.string();
    st.base_dir = path.parent_path();
    st.all_names = detail::known_names();

    // Options that apply to every row are checked once.
    if (!opts.type.empty() && !find_type(opts.type)) {
        std::vector<std::string_view> types;
        for (auto& t : all_types()) types.push_back(t.name);
        r->file_errors_.push_back(
            {"--type", 0, "",
             "unknown type " + in_quotes(opts.type) + did_you_mean(opts.type, types),
             manifest_errc::bad_option});
    }
    for (auto& set_field : opts.set_fields) {
        // Plain references, not a structured binding: clang 14 cannot capture those in a lambda.
        auto& name = set_field.first;
        auto& raw = set_field.second;
        state::set_value sv{name, {}, false, false};
        auto fail = [&](std::string message) {
            r->file_errors_.push_back({"--set", 0, detail::printable(name), std::move(message),
                                       manifest_errc::bad_option});
        };
        if (name == "projectId" || name == "orgId" || name == "type" || name == "action") {
            fail("cannot be set with --set (use a column, --type or --action)");
        } else if (std::find(st.all_names.begin(), st.all_names.end(), name) ==
                   st.all_names.end()) {
            fail("unknown field" + did_you_mean(name, st.all_names));
        } else {
            std::string error;
            // --set comes from the command line: relative ${file:..} paths are relative to the
            // current directory.
            auto v = resolve_value(raw, {}, st.opts.getenv, error);
            if (!v)
                fail(error);
            else if (v->value.empty())
                fail(v->from_reference ? "the reference resolved to an empty value"
                                       : "empty value");
            else {
                sv.value = std::move(v->value);
                sv.from_reference = v->from_reference;
                sv.ok = true;
            }
        }
        st.sets.push_back(std::move(sv));
    }

    auto fmt = opts.format ? opts.format : format_from_path(path);
    if (!fmt) {
        r->add_file_error(0, "",
                          "unknown manifest format: use a .csv, .json, .jsonl or .ndjson file name "
                          "or --format",
                          manifest_errc::unknown_format);
        r->done_ = true;
        return r;
    }
    r->format_ = *fmt;
    auto bytes = std::make_unique<detail::byte_reader>();
    std::string error;
    if (!bytes->open(path, error)) {
        r->add_file_error(0, "", error, manifest_errc::cannot_open);
        r->done_ = true;
        return r;
    }
    switch (*fmt) {
        case manifest_format::csv:
            r->src_ = detail::make_csv_source(std::move(bytes), opts.delimiter, st.file);
            break;
        case manifest_format::json:
            r->src_ = detail::make_json_source(std::move(bytes));
            break;
        case manifest_format::jsonl:
            r->src_ = detail::make_jsonl_source(std::move(bytes));
            break;
    }
    detail::source_notes notes;
    r->src_->start(notes);
    r->take_notes(notes);
    return r;
}

std::optional<parsed_row> manifest_reader::next() {
    if (done_) return std::nullopt;
    detail::raw_row raw;
    detail::source_notes notes;
    bool got = src_->next(raw, notes);
    take_notes(notes);
    if (!got) {
        done_ = true;
        if (src_->bytes().io_error())
            add_file_error(0, "", "read error", manifest_errc::read_error);
        if (rows_ == 0 && file_errors_.empty())
            add_file_error(1, "", "empty manifest: no rows", manifest_errc::empty);
        return std::nullopt;
    }
    std::vector<manifest_error> pre;
    for (auto& e : raw.errors)
        pre.push_back({st_->file, e.line, std::move(e.field), std::move(e.message), e.code});
    if (raw.unusable) {
        parsed_row out;
        out.row.line = raw.line;
        out.row.index = rows_++;
        out.errors = std::move(pre);
        return out;
    }
    return finish_row(raw.line, std::move(raw.obj), std::move(pre));
}

std::string manifest_reader::sha256_hex() { return src_ ? src_->bytes().sha256_hex() : ""; }

parsed_row manifest_reader::finish_row(std::uint64_t line, boost::json::object raw,
                                       std::vector<manifest_error> pre_errors) {
    auto& st = *st_;
    const flavor fl = st.opts.target_flavor;
    parsed_row out;
    out.row.line = line;
    out.row.index = rows_++;
    out.errors = std::move(pre_errors);
    auto err = [&](std::string_view field, std::string message,
                   manifest_errc code = manifest_errc::invalid_value) {
        out.errors.push_back({st.file, line, std::string(field), std::move(message), code});
    };
    // The three row keys: strings, or absent (missing, null or empty).
    // (Not erased from `raw`: erasing reorders a boost::json::object, and errors follow columns.)
    auto take = [&](std::string_view key) -> std::optional<std::string_view> {
        auto it = raw.find(key);
        if (it == raw.end()) return std::nullopt;
        std::optional<std::string_view> v;
        if (it->value().is_string()) {
            if (!it->value().get_string().empty()) v = std::string_view(it->value().get_string());
        } else if (!it->value().is_null()) {
            err(key, "expected a string, got " + kind_name(it->value()));
        }
        return v;
    };
    auto pid = take("projectId");
    auto type = take("type");
    auto action = take("action");
    if (auto org = take("orgId")) {
        out.row.org_id = *org;
        if (!is_object_id(*org))
            err("orgId", "invalid organization id " + in_quotes(*org) +
                             ": expected 24 lowercase hexadecimal characters");
    }

    bool id_ok = false;
    if (!pid) {
        err("projectId", "missing (required)", manifest_errc::missing_field);
    } else {
        out.row.project_id = *pid;
        id_ok = is_object_id(*pid);
        if (!id_ok)
            err("projectId", "invalid project id " + in_quotes(*pid) +
                                 ": expected 24 lowercase hexadecimal characters");
    }

    std::string t(type.value_or(""));
    if (!st.opts.type.empty()) {
        if (t.empty())
            t = st.opts.type;
        else if (t != st.opts.type)
            err("type", "type " + in_quotes(t) + " differs from --type " + st.opts.type);
    }
    const type_spec* ts = nullptr;
    if (t.empty()) {
        err("type", "missing (give a type column or --type)", manifest_errc::missing_field);
    } else {
        ts = find_type(t);
        if (!ts) {
            std::vector<std::string_view> types;
            for (auto& x : all_types()) types.push_back(x.name);
            err("type", "unknown type " + in_quotes(t) + did_you_mean(t, types),
                manifest_errc::unknown_type);
        } else if (ts->support(fl) != type_support::full) {
            err("type", not_offered(*ts, fl), manifest_errc::not_on_flavor);
            ts = nullptr;  // its fields cannot be judged either
        }
    }
    out.row.type = t;

    if (action) {
        if (auto a = parse_action(*action))
            out.row.action = *a;
        else
            err("action", "unknown action " + in_quotes(*action) +
                              ": expected create, update, upsert or delete");
    }
    auto effective = out.row.action != row_action::none ? out.row.action : st.opts.default_action;

    if (!check_only_) out.row.fields.reserve(raw.size());
    // Which fields of the type got a value (by catalogue index), for the required check; in
    // check-only mode nothing is stored in fields.
    std::uint64_t present = 0;
    auto keep = [&](const field_spec& fs, auto v) {  // v: a std::string_view or a bool
        if (ts) {
            auto i = static_cast<std::size_t>(&fs - ts->fields.data());
            if (i < 64) present |= std::uint64_t{1} << i;
        }
        if (!check_only_) out.row.fields[fs.name] = v;
    };
    auto has_value = [&](const field_spec& fs) {
        auto i = static_cast<std::size_t>(&fs - ts->fields.data());
        return i < 64 ? (present >> i & 1) != 0 : out.row.fields.contains(fs.name);
    };

    // Stores one value of a known field after checking it; `echo` says whether the value may be
    // shown in a message (never for secrets or values read through a reference).
    auto store = [&](const field_spec& fs, std::string_view value, bool from_reference,
                     std::string_view origin) {
        bool echo = fs.secret == secrecy::none && !from_reference;
        auto suffix = [&] {
            return origin.empty() ? std::string() : " (" + std::string(origin) + ")";
        };
        switch (fs.kind) {
            case field_kind::boolean: {
                auto l = lower(value);
                if (l == "true" || l == "false") {
                    keep(fs, l == "true");
                } else {
                    err(fs.name,
                        (echo ? "invalid boolean " + in_quotes(value) : "invalid boolean") +
                            ": expected true or false" + suffix());
                }
                return;
            }
            case field_kind::enumeration: {
                if (std::find(fs.enum_values.begin(), fs.enum_values.end(), value) !=
                    fs.enum_values.end()) {
                    keep(fs, value);
                    return;
                }
                std::string expected;
                for (auto v : fs.enum_values)
                    expected += (expected.empty() ? "" : ", ") + std::string(v);
                err(fs.name, (echo ? "invalid value " + in_quotes(value) : "invalid value") +
                                 ": expected one of " + expected + suffix() +
                                 (echo ? enum_hint(value, fs.enum_values) : ""));
                return;
            }
            case field_kind::string:
                if (auto long_one = too_long(fs, value, fl); !long_one.empty()) {
                    err(fs.name, long_one + suffix());
                    return;
                }
                if (fs.secret != secrecy::none && looks_masked(value)) {
                    err(fs.name,
                        "invalid value: it looks masked (contains \"****\"); give the real "
                        "secret, not the API's masked form" +
                            suffix());
                    return;
                }
                keep(fs, value);
                return;
        }
    };

    auto is_set = [&](std::string_view name) {
        return std::any_of(st.sets.begin(), st.sets.end(),
                           [&](const state::set_value& s) { return s.name == name; });
    };

    for (auto& kv : raw) {
        std::string_view name = kv.key();
        if (name == "projectId" || name == "orgId" || name == "type" || name == "action") continue;
        if (!ts) continue;  // the type is already an error; its fields cannot be judged
        const field_spec* fs = ts->find_field(name);
        if (fs && !type_spec::has_field(*fs, fl)) {
            // Another flavor's field: an error when it has a value (an empty cell sends nothing).
            if (has_content(kv.value()))
                err(fs->name, not_a_field_on(*ts, *fs, fl), manifest_errc::not_on_flavor);
            continue;
        }
        if (!fs && is_read_only(ts->name, name)) {
            err(detail::printable(name), "read-only: the API sets it; remove it from the manifest");
            continue;
        }
        if (!fs) {
            std::vector<std::string_view> type_fields;
            for (auto& f : ts->fields) type_fields.push_back(f.name);
            auto hint = did_you_mean(name, type_fields);
            if (hint.empty() &&
                std::find(st.all_names.begin(), st.all_names.end(), name) != st.all_names.end())
                hint = "; it is not a field of " + std::string(ts->name);
            err(detail::printable(name), "unknown field" + hint, manifest_errc::unknown_field);
            continue;
        }
        if (is_set(name)) continue;  // --set overrides the row's value
        const auto& v = kv.value();
        if (v.is_null()) continue;
        if (v.is_bool()) {
            if (fs->kind == field_kind::boolean)
                keep(*fs, v.get_bool());
            else
                err(fs->name, "expected a string, got a boolean");
            continue;
        }
        if (!v.is_string()) {
            err(fs->name, "expected a " +
                              std::string(fs->kind == field_kind::boolean ? "boolean" : "string") +
                              ", got " + kind_name(v));
            continue;
        }
        std::string_view s = v.get_string();
        if (s.empty()) continue;  // empty means absent, as an empty CSV cell
        if (s.find("${") == std::string_view::npos) {
            store(*fs, s, false, "");
            continue;
        }
        auto& c = st.ref_cache[std::string(s)];
        if (!c.value && c.error.empty()) {
            c.value = resolve_value(s, st.base_dir, st.opts.getenv, c.error);
            if (!c.value && c.error.empty()) c.error = "unresolvable reference";
        }
        if (!c.value) {
            err(fs->name, c.error, manifest_errc::bad_reference);
        } else if (c.value->value.empty()) {
            err(fs->name, "the reference resolved to an empty value", manifest_errc::bad_reference);
        } else {
            store(*fs, c.value->value, c.value->from_reference, "");
        }
        // Only references are worth caching; keep the cache small otherwise.
        if (!c.value || !c.value->from_reference || st.ref_cache.size() > 1024)
            st.ref_cache.erase(std::string(s));
    }

    if (ts) {
        for (auto& sv : st.sets) {
            if (!sv.ok) continue;  // already reported once as an option error
            const field_spec* fs = ts->find_field(sv.name);
            if (!fs) {
                err(sv.name, "unknown field for type " + std::string(ts->name) + " (from --set)",
                    manifest_errc::unknown_field);
                continue;
            }
            if (!type_spec::has_field(*fs, fl)) {
                err(sv.name, not_a_field_on(*ts, *fs, fl) + " (from --set)",
                    manifest_errc::not_on_flavor);
                continue;
            }
            store(*fs, sv.value, sv.from_reference, "from --set");
        }
        if (effective != row_action::del) {
            for (auto& f : ts->fields) {
                if (!type_spec::is_required(f, fl)) continue;
                if (has_value(f)) continue;
                // A field that failed its own check already has an error.
                bool reported =
                    std::any_of(out.errors.begin(), out.errors.end(),
                                [&](const manifest_error& e) { return e.field == f.name; });
                if (!reported)
                    err(f.name,
                        "missing required field" + (is_atlas(fl)
                                                        ? " (" + std::string(display_name(fl)) + ")"
                                                        : std::string()),
                        manifest_errc::missing_field);
            }
        }
    }

    if (st.opts.check_duplicates && id_ok && ts) {
        auto [it, inserted] = st.seen.try_emplace(make_dup_key(*pid, ts), line);
        if (!inserted)
            err("projectId",
                "duplicate row for project " + std::string(*pid) + " and type " +
                    std::string(ts->name) + " (first on line " + std::to_string(it->second) + ")",
                manifest_errc::duplicate_row);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// the whole-manifest pass

validation_summary validate_manifest(const std::filesystem::path& path,
                                     const manifest_options& opts) {
    validation_summary s;
    auto r = manifest_reader::open(path, opts);
    r->check_only();
    std::size_t file_errors_seen = 0, warnings_seen = 0;
    auto add = [&](const manifest_error& e) {
        ++s.error_count;
        if (s.errors.size() < opts.max_errors) s.errors.push_back(e);
    };
    auto flush = [&] {
        while (file_errors_seen < r->errors().size()) {
            ++s.file_error_count;
            add(r->errors()[file_errors_seen++]);
        }
        while (warnings_seen < r->warnings().size()) {
            const auto& w = r->warnings()[warnings_seen++];
            if (opts.warn) opts.warn(w);
            s.warnings.push_back(w);
        }
    };
    flush();
    while (auto row = r->next()) {
        ++s.rows;
        if (!row->ok()) {
            ++s.invalid_rows;
            for (auto& e : row->errors) add(e);
        } else if (row->row.org_id.empty()) {
            ++s.rows_without_org;
        }
        // After the row's own errors: what it told about the whole file (not UTF-8) follows.
        flush();
    }
    flush();
    s.sha256 = r->sha256_hex();
    return s;
}

}  // namespace cmbulk
