// Whole-file writes that readers never see half done: a temporary file next to the target,
// fsync, rename over the target, fsync of the directory. For reports, emitted manifests and the
// HTML report; the checkpoint journal starts the same way.
#pragma once

#include <boost/system/result.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace cmbulk {

/// Writes `content` to a temporary file next to `path`, fsyncs it, renames it over `path` and
/// fsyncs the directory: readers see the old file or the new one, never half of one. On failure
/// `message` names the file and the reason.
boost::system::result<void> write_file_atomically(const std::filesystem::path& path,
                                                  std::string_view content, std::string& message);

}  // namespace cmbulk
