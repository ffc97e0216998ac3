#pragma once

#include <string>

#include "base/error.h"
#include "http/beast.h"
#include "http/response.h"

namespace tessera::http {

// The HTTP status for a failure class; the one mapping every handler uses.
HttpStatus ToHttpStatus(ErrorCode code);

// What a client may read of `error`: its message, except for kIo, whose message
// names files and folders of the server; that one goes to the log instead.
std::string PublicMessage(const Error& error);

// {"message": PublicMessage(error)} with the status ToHttpStatus gives.
Response ErrorResponse(const Error& error);

}  // namespace tessera::http
