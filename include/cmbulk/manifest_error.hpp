// The manifest's errors as values: one code per kind of problem (manifest_errc, with its
// category, as digest.hpp's parse_errc) and the diagnostics that say where it is and what to do
// (file, line, field, message). A reader hands back manifest_errors; `cmbulk validate` and every
// command print them with to_string.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>

#include "cmbulk/diagnostics.hpp"

namespace cmbulk {

/// What is wrong in a manifest or in the options that apply to every row.
enum class manifest_errc {
    cannot_open = 1,   ///< the file cannot be opened (missing, a directory, no permission)
    unknown_format,    ///< neither the extension nor --format names a manifest format
    read_error,        ///< reading failed half way
    empty,             ///< no data rows
    syntax,            ///< CSV or JSON syntax (quotes, brackets, commas, not an object)
    too_large,         ///< a cell, row, element or header over the size limits
    encoding,          ///< not UTF-8 (including a file that looks like Windows-1252)
    bad_header,        ///< an empty, duplicate or unknown column name
    wrong_cell_count,  ///< a row with more or fewer cells than the header
    bad_option,        ///< --type or --set cannot be used
    missing_field,     ///< projectId, type or a required field has no value
    unknown_field,     ///< a field the type does not have
    unknown_type,      ///< a type the catalogue does not know
    invalid_value,     ///< a value of the wrong kind or outside its allowed values
    duplicate_row,     ///< a second row for the same project and type
    bad_reference,     ///< a ${env:..} / ${file:..} that cannot be resolved
    not_on_flavor,     ///< a type or field the target flavor does not take
};
const boost::system::error_category& manifest_category();
boost::system::error_code make_error_code(manifest_errc e);

/// One problem found in a manifest (or in the options that apply to every row): its code and
/// the diagnostics. `file` is the manifest path as given, or "--set" / "--type" for options;
/// `line` is 0 when the error has no line; `field` is the column / key concerned, empty for row-
/// or file-level errors; `message` never contains a secret value.
struct manifest_error : diagnostics {
    manifest_errc code = manifest_errc::invalid_value;
};

/// "file:line: field: message"; the field part is left out when empty, the line when 0.
std::string to_string(const manifest_error& e);

}  // namespace cmbulk

template <>
struct boost::system::is_error_code_enum<cmbulk::manifest_errc> : std::true_type {};
