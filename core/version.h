// The Cohort version, in one place: CMake's project(VERSION) is compiled into
// core/version.cpp; the CLI, SARIF, the language server and the audit log
// read it from here.
#pragma once

namespace cohort {

/// "MAJOR.MINOR.PATCH", from CMakeLists.txt's project(VERSION ...).
const char* CohortVersion();

}  // namespace cohort
