// The manifest's error category and the one spelling of a manifest error; see manifest_error.hpp.
#include "cmbulk/manifest_error.hpp"

namespace cmbulk {

namespace {

class manifest_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.manifest"; }
    std::string message(int ev) const override {
        switch (static_cast<manifest_errc>(ev)) {
            case manifest_errc::cannot_open:
                return "the manifest cannot be opened";
            case manifest_errc::unknown_format:
                return "unknown manifest format";
            case manifest_errc::read_error:
                return "the manifest could not be read";
            case manifest_errc::empty:
                return "empty manifest: no rows";
            case manifest_errc::syntax:
                return "CSV or JSON syntax error";
            case manifest_errc::too_large:
                return "over a size limit of the manifest";
            case manifest_errc::encoding:
                return "not UTF-8";
            case manifest_errc::bad_header:
                return "bad column name in the header";
            case manifest_errc::wrong_cell_count:
                return "the row's cells do not match the header";
            case manifest_errc::bad_option:
                return "--type or --set cannot be used";
            case manifest_errc::missing_field:
                return "a required value is missing";
            case manifest_errc::unknown_field:
                return "unknown field";
            case manifest_errc::unknown_type:
                return "unknown integration type";
            case manifest_errc::invalid_value:
                return "invalid value";
            case manifest_errc::duplicate_row:
                return "duplicate row for a project and type";
            case manifest_errc::bad_reference:
                return "unresolvable ${env:} / ${file:} reference";
            case manifest_errc::not_on_flavor:
                return "a type or field the flavor does not take";
        }
        return "manifest error";
    }
};

}  // namespace

const boost::system::error_category& manifest_category() {
    static const manifest_category_impl c;
    return c;
}

boost::system::error_code make_error_code(manifest_errc e) {
    return {static_cast<int>(e), manifest_category()};
}

std::string to_string(const manifest_error& e) {
    // Unlike diagnostics' to_string, the file part (and its ": ") is always written.
    // (Appended piece by piece: GCC 12's -Wrestrict misfires on ":" + std::to_string here.)
    std::string out = e.file;
    if (e.line != 0) {
        out += ':';
        out += std::to_string(e.line);
    }
    out += ": ";
    if (!e.field.empty()) {
        out += e.field;
        out += ": ";
    }
    out += e.message;
    return out;
}

}  // namespace cmbulk
