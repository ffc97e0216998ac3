#include "dicom/dcmtk_logging.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

namespace tessera::dicom {

void ConfigureDcmtkLogging(bool verbose) {
  OFLog::configure(verbose ? OFLogger::WARN_LOG_LEVEL : OFLogger::ERROR_LOG_LEVEL);
}

}  // namespace tessera::dicom
