#pragma once

#include "base/error.h"
#include "http/beast.h"
#include "http/response.h"

namespace tessera::http {

// The HTTP status for a failure class; the one mapping every handler uses.
HttpStatus ToHttpStatus(ErrorCode code);

// {"message": error.message} with the status ToHttpStatus gives.
Response ErrorResponse(const Error& error);

}  // namespace tessera::http
