// --projects FILE: the projects to audit, from CSV (a projectId column), a JSON array or JSON
// Lines. See audit.hpp.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "audit_detail.hpp"
#include "cmbulk/audit.hpp"
#include "cmbulk/catalogue.hpp"

namespace cmbulk {
namespace json = boost::json;
using detail::str_of;

namespace {
/// Splits one CSV record (RFC 4180 quoting; one physical line is enough for projects files).
std::vector<std::string> split_csv_line(std::string_view line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else if (c != '\r') {
            out.back() += c;
        }
    }
    return out;
}
}  // namespace

boost::system::result<std::vector<audit_project>> read_projects_file(const std::filesystem::path& p,
                                                                     std::string& message) {
    auto bad = [&](std::string what) -> boost::system::result<std::vector<audit_project>> {
        message = p.string() + ":" + what;
        return boost::system::error_code(EINVAL, boost::system::generic_category());
    };
    std::ifstream in(p, std::ios::binary);
    if (!in) return bad(" cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto fmt = format_from_path(p);
    if (!fmt) return bad(" unknown format: use .csv, .json or .jsonl");
    std::vector<audit_project> out;
    auto from_object = [&](const json::object& o, std::size_t line) -> bool {
        audit_project pr;
        pr.id = str_of(o, "projectId");
        if (pr.id.empty()) pr.id = str_of(o, "id");
        pr.name = str_of(o, "projectName");
        if (pr.name.empty()) pr.name = str_of(o, "name");
        pr.org_id = str_of(o, "orgId");
        if (!is_object_id(pr.id)) {
            message = p.string() + ":" + std::to_string(line) +
                      ": projectId: expected 24 lowercase hex characters";
            return false;
        }
        out.push_back(std::move(pr));
        return true;
    };
    boost::system::error_code ec;
    if (*fmt == manifest_format::json) {
        auto v = json::parse(text, ec);
        if (ec || !v.is_array()) return bad("1: expected a JSON array of projects");
        for (auto& x : v.get_array()) {
            if (x.is_string()) {
                if (!from_object(json::object{{"projectId", x}}, 1))
                    return boost::system::error_code(EINVAL, boost::system::generic_category());
            } else if (!x.is_object() || !from_object(x.get_object(), 1)) {
                if (!x.is_object()) message = p.string() + ":1: expected objects with projectId";
                return boost::system::error_code(EINVAL, boost::system::generic_category());
            }
        }
    } else {
        std::istringstream lines(text);
        std::string line;
        std::size_t n = 0;
        std::vector<std::string> header;
        while (std::getline(lines, line)) {
            ++n;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            if (*fmt == manifest_format::jsonl) {
                auto v = json::parse(line, ec);
                if (ec || !v.is_object())
                    return bad(std::to_string(n) + ": expected a JSON object");
                if (!from_object(v.get_object(), n))
                    return boost::system::error_code(EINVAL, boost::system::generic_category());
                continue;
            }
            auto cells = split_csv_line(line);
            if (header.empty()) {
                header = cells;
                if (std::find(header.begin(), header.end(), "projectId") == header.end())
                    return bad("1: no projectId column");
                continue;
            }
            json::object o;
            for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
                o[header[i]] = cells[i];
            if (!from_object(o, n))
                return boost::system::error_code(EINVAL, boost::system::generic_category());
        }
    }
    if (out.empty()) return bad(" no projects");
    return out;
}

}  // namespace cmbulk
