// The check that no output of a run replaces an input or another output; see output_paths.hpp.
#include "cmbulk/output_paths.hpp"

#include <sys/stat.h>

namespace cmbulk {
namespace fs = std::filesystem;

namespace {

/// The absolute, normal form of a path with its existing part's links resolved.
fs::path normal_form(const fs::path& p) {
    std::error_code ec;
    auto abs = fs::absolute(p, ec);
    if (ec) return p.lexically_normal();
    auto canon = fs::weakly_canonical(abs, ec);
    return ec ? abs.lexically_normal() : canon;
}

std::string describe(const run_path& p) { return p.role + " " + p.path.string(); }

}  // namespace

bool same_file(const fs::path& a, const fs::path& b) {
    if (a.empty() || b.empty()) return false;
    if (normal_form(a) == normal_form(b)) return true;
    struct stat sa {
    }, sb{};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::optional<diagnostics> find_path_clash(std::span<const run_path> paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
        for (std::size_t j = i + 1; j < paths.size(); ++j) {
            const run_path& a = paths[i];
            const run_path& b = paths[j];
            if (!a.output && !b.output) continue;  // two inputs may well be one file
            if (!same_file(a.path, b.path)) continue;
            // Name the output first; when one side is an input, it is what would be lost.
            const run_path& out = a.output ? a : b;
            const run_path& other = a.output ? b : a;
            diagnostics d;
            d.field = out.role;
            d.message = describe(out) + " is also " + describe(other) + ": " +
                        (other.output ? "two outputs would overwrite each other"
                                      : "an output must never replace an input") +
                        (out.role.starts_with("--") ? "; choose another " + out.role
                                                    : "; choose another path for " + out.role);
            return d;
        }
    }
    return std::nullopt;
}

fs::path stderr_log_file() {
    struct stat st {};
    if (::fstat(2, &st) != 0 || !S_ISREG(st.st_mode)) return {};
    std::error_code ec;
    auto target = fs::read_symlink("/proc/self/fd/2", ec);
    return ec ? fs::path("/dev/stderr") : target;
}

fs::path companion_report_path(const fs::path& html, std::span<const fs::path> inputs) {
    auto clashes = [&](const fs::path& p) {
        for (auto& in : inputs)
            if (same_file(p, in)) return true;
        return same_file(p, html);
    };
    auto candidate = html;
    candidate.replace_extension(".csv");
    if (!clashes(candidate)) return candidate;
    auto base = html;
    base.replace_extension();
    for (int n = 1;; ++n) {
        candidate = base;
        candidate += n == 1 ? ".report.csv" : ".report-" + std::to_string(n) + ".csv";
        if (!clashes(candidate)) return candidate;
    }
}

}  // namespace cmbulk
