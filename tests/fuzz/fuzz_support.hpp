// Shared helpers of the libFuzzer targets (and of their corpus replay in
// tests/unit/test_fuzz_regressions.cpp): the manifest options, and a per-process scratch file that
// parsers which read from a path (manifest reader, journal replay) are pointed at. Each target
// writes the fuzz input there and calls the real, unmodified module.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "cmbulk/manifest.hpp"

namespace cmbulk::fuzz {

/// A scratch directory of this process (removed at exit) for input files.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        auto d =
            std::filesystem::temp_directory_path() / ("cmbulk-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    static const struct cleanup {
        ~cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } at_exit;
    return dir;
}

/// Writes the input bytes to scratch_dir()/name and returns the path.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data,
                                         std::size_t size) {
    auto p = scratch_dir() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return p;
}

/// The options of the manifest targets: ${env:..} resolves against a fixed, tiny environment,
/// never the real one.
inline cmbulk::manifest_options manifest_options() {
    cmbulk::manifest_options o;
    o.getenv = [](std::string_view name) -> std::optional<std::string> {
        if (name == "FUZZ_TOKEN") return std::string("tok-fuzz-12345");
        return std::nullopt;
    };
    o.max_errors = 20;
    return o;
}

}  // namespace cmbulk::fuzz
