// `--dry-run` as a session that prints instead of sending (ninja's dry-run command runner): the
// run goes through the same engine, dispatcher and resume lookup, and each request becomes a line
// with the whole URL and the body, its secrets masked as the API would show them.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>

#include "cmbulk/catalogue.hpp"
#include "cmbulk/engine.hpp"

namespace cmbulk {
namespace {

/// The body with every secret field of its type masked; a body that is not an integration of a
/// known type is not shown at all (it could hold anything).
std::string masked_body(std::string_view body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    const type_spec* t = nullptr;
    if (!ec && v.is_object())
        if (auto* type = v.get_object().if_contains("type"); type && type->is_string())
            t = find_type(std::string_view(type->get_string()));
    if (!t) return "(a " + std::to_string(body.size()) + "-byte body, not shown)";
    for (auto& kv : v.get_object()) {
        const field_spec* f = t->find_field(kv.key());
        if (!f || f->secret == secrecy::none || !kv.value().is_string()) continue;
        auto how = f->secret == secrecy::never_returned ? secrecy::hidden : f->secret;
        kv.value() = mask_as(how, std::string_view(kv.value().get_string()));
    }
    return boost::json::serialize(v);
}

}  // namespace

class dry_sender final : public api_sender {
public:
    explicit dry_sender(dry_run_printer& p) : p_(p) {}
    boost::asio::awaitable<api_call_result> perform(api_request req) override {
        auto& out = p_.out_;
        if (!req.label.empty()) out << req.label << ": ";
        out << to_string(req.method) << " " << p_.base_ << req.path;
        if (req.body) out << " " << masked_body(*req.body);
        api_call_result r;
        if (req.method == api_method::get) {
            // Nothing is read in a dry run: the machine goes on as if nothing were there.
            r.status = 404;
            r.error_code = "INTEGRATION_NOT_CONFIGURED";
            r.api_error = api_errc::integration_not_configured;
            r.detail = "dry run: not read";
            out << "   (dry run: not read; taken as not configured)";
        } else {
            r.status = 200;
        }
        out << "\n";
        ++p_.printed_;
        co_return r;
    }
    void close() override {}
    void cancel() override {}

private:
    dry_run_printer& p_;
};

dry_run_printer::dry_run_printer(std::ostream& out, std::string root, std::string_view prefix)
    : out_(out), base_(std::move(root)) {
    base_ += prefix;
}

std::unique_ptr<api_sender> dry_run_printer::make_sender() {
    return std::make_unique<dry_sender>(*this);
}

}  // namespace cmbulk
