// The checkpoint header of `cmbulk apply` (internal): every option that changes what is sent or
// written, recorded so that `--resume` continues the same run, and the differences named as the
// options the user types when a resume asks for another run. See apply_header.cpp.
#pragma once

#include <string>
#include <vector>

#include "cmbulk/journal.hpp"
#include "cmbulk/runner.hpp"

namespace cmbulk::detail {

/// The header of an apply run: action, flavor, base URL, the manifest's SHA-256 and options:
/// "type"; "set" (the field names), per field "set.NAME" (a ${env:..}/${file:..} reference or a
/// non-secret value, never a secret) and "sethash.NAME" (SHA-256 of salt + the resolved value);
/// "salt"; "verify", "skip-unchanged", "skip-invalid"; "report", "html-report", "manifest"
/// (absolute paths). `salt` empty: a new random one. Room for alert options ("alert.*").
/// A --set value that is a ${env:..} / ${file:..} reference (recorded as given).
bool is_reference(std::string_view v);
/// A field that holds a secret in some type (its literal --set value is never recorded).
bool is_secret_field(std::string_view field);

journal_header apply_header(const apply_options& o, const std::string& manifest_sha256,
                            std::string salt, const std::filesystem::path& report);

/// What differs between a recorded run and the one asked for, named as options ("--set
/// apiToken: another value than the recorded run", "--verify: the recorded run had it"); the
/// manifest's path may differ (its content is compared). Empty: the run may resume.
std::vector<std::string> resume_differences(const journal_header& saved, const journal_header& now);

}  // namespace cmbulk::detail
