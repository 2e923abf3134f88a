// The manifest module's reader: opens the manifest in its syntax layer (CSV, JSON, JSON Lines),
// checks the options that apply to every row once (--type, --set, resolving their references),
// hands each raw row to its checks (manifest_row.cpp) and runs the whole-manifest pass.
#include "cmbulk/manifest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "cmbulk/manifest_source.hpp"
#include "manifest_state.hpp"

namespace cmbulk {

using detail::did_you_mean;
using detail::in_quotes;
using detail::lower;

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

manifest_reader::~manifest_reader() = default;

void manifest_reader::add_file_error(std::uint64_t line, std::string field, std::string message,
                                     manifest_errc code) {
    file_errors_.push_back({{st_->file, line, std::move(field), std::move(message)}, code});
}

void manifest_reader::take_notes(detail::source_notes& notes) {
    for (auto& e : notes.errors)
        add_file_error(e.line, std::move(e.field), std::move(e.message), e.code);
    for (auto& w : notes.warnings)
        warnings_.push_back({st_->file, w.line, std::move(w.field), std::move(w.message)});
}

namespace {

/// --type names a known type, or the error saying so.
std::optional<manifest_error> check_type_option(const std::string& type) {
    if (type.empty() || find_type(type)) return std::nullopt;
    std::vector<std::string_view> types;
    for (auto& t : all_types()) types.push_back(t.name);
    return manifest_error{
        {"--type", 0, "", "unknown type " + in_quotes(type) + did_you_mean(type, types)},
        manifest_errc::bad_option};
}

/// One --set NAME=VALUE, resolved once for every row; a problem is a file error.
detail::set_option_value check_set_option(const std::string& name, const std::string& raw,
                                          const std::vector<std::string_view>& all_names,
                                          const manifest_options& opts,
                                          std::vector<manifest_error>& errors) {
    detail::set_option_value sv{name, {}, false, false};
    auto fail = [&](std::string message) {
        errors.push_back(
            {{"--set", 0, detail::printable(name), std::move(message)}, manifest_errc::bad_option});
        return sv;
    };
    if (name == "projectId" || name == "orgId" || name == "type" || name == "action" ||
        name == "fromLast4")
        return fail("cannot be set with --set (use a column, --type or --action)");
    if (std::find(all_names.begin(), all_names.end(), name) == all_names.end())
        return fail("unknown field" + did_you_mean(name, all_names));
    std::string error;
    // --set comes from the command line: relative ${file:..} paths are relative to the current
    // directory.
    auto v = resolve_value(raw, {}, opts.getenv, error);
    if (!v) return fail(error);
    if (v->value.empty())
        return fail(v->from_reference ? "the reference resolved to an empty value" : "empty value");
    sv.value = std::move(v->value);
    sv.from_reference = v->from_reference;
    sv.ok = true;
    return sv;
}

}  // namespace

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
    if (auto e = check_type_option(opts.type)) r->file_errors_.push_back(std::move(*e));
    for (auto& [name, raw] : opts.set_fields)
        st.sets.push_back(check_set_option(name, raw, st.all_names, st.opts, r->file_errors_));

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
        pre.push_back({{st_->file, e.line, std::move(e.field), std::move(e.message)}, e.code});
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
