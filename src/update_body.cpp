// Read, merge, PUT: the body of an update; see update_body.hpp.
#include "cmbulk/update_body.hpp"

#include "cmbulk/catalogue.hpp"

namespace cmbulk {

namespace {

/// A value the server holds that we must not send back: a secret of the catalogue, or a
/// masked-looking value of a field the catalogue does not know.
bool is_unsendable(const field_spec* f, const boost::json::value& v) {
    if (f) return f->secret != secrecy::none;
    return v.is_string() && looks_masked(std::string_view(v.get_string()));
}

}  // namespace

update_body merge_for_update(std::string_view type, const boost::json::object& found,
                             const boost::json::object& manifest) {
    update_body out;
    const type_spec* t = find_known_type(type);
    for (auto& kv : found) {
        std::string_view name = kv.key();
        if (name == "type" || is_read_only(type, name) || kv.value().is_null()) continue;
        if (manifest.contains(name)) continue;  // the manifest's value goes over it
        const field_spec* f = t ? t->find_field(name) : nullptr;
        if (is_unsendable(f, kv.value())) {
            if (kv.value().is_string() && kv.value().get_string().empty()) continue;
            out.problem = std::string(type) + " " + std::string(name) +
                          " is set on the server and never answered in clear: give it in the "
                          "manifest (a PUT replaces the whole configuration; cmbulk never sends "
                          "a value it read back)";
            out.fields.clear();
            return out;
        }
        out.fields.emplace(name, kv.value());
    }
    for (auto& kv : manifest) out.fields[kv.key()] = kv.value();
    return out;
}

}  // namespace cmbulk
