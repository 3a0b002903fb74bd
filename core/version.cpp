#include "core/version.h"

namespace cohort {

const char* CohortVersion() { return COHORT_VERSION; }

}  // namespace cohort
