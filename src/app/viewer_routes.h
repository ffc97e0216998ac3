#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "http/blocking_pool.h"
#include "http/directory_files.h"
#include "http/router.h"

namespace tessera::app {

// The OHIF viewer Tessera serves itself when explorer.viewer_dir names a folder
// holding an OHIF v3 build (e.g. node_modules/@ohif/app/dist): its files under
// <prefix>/viewer/, adapted on the fly to that mount point, with an
// app-config.js that points OHIF at this server and sends the user's token.

// "<prefix>/viewer": where the viewer is mounted.
std::string ViewerPath(const config::Config& config);

// Where "Open in viewer" goes: explorer.viewer_url_template when set; else, when
// a viewer folder is set, "<prefix>/viewer/viewer?StudyInstanceUIDs={study}";
// else "" (no viewer).
std::string ViewerUrlTemplate(const config::Config& config);

// The PUBLIC_URL an OHIF build was made for, read from its index.html
// (`window.PUBLIC_URL="/"`); nullopt when the page does not say.
std::optional<std::string> BuildPublicUrl(std::string_view index_html);

// The edits that move an OHIF build made for `from` (its PUBLIC_URL, e.g. "/")
// to `to` (e.g. "/zhiva/viewer/"): the webpack public path of the app and its
// workers, PUBLIC_URL and absolute href/src in HTML, url() in CSS, icons in
// manifest.json, and the microscopy viewer's absolute import. Empty when
// `from` == `to`. REQUIRES: both start and end with '/'.
std::vector<http::TextSubstitution> MountSubstitutions(std::string_view from, std::string_view to);

// The viewer's app-config.js: window.config as an async function that takes a
// token from the address (?token= or #token=, removed at once; a one-off token
// is exchanged for an access + refresh pair) or from the tab's sessionStorage
// (where the explorer keeps it), sends it as a bearer token with every request
// through OHIF's userAuthenticationService, renews it before it expires, and
// sends the person to the sign-in page when there is none (or on a 401). One
// DICOMweb data source: http.public_url when set, else the page's own origin
// (location.origin), plus the DICOMweb and WADO-URI paths. Made from
// web/viewer/app-config.js. Errors: kInternal for a build whose file lacks the
// settings marker.
Result<std::string> ViewerAppConfig(const config::Config& config);

// Registers, when explorer.viewer_dir is set (nothing otherwise):
//   GET <prefix>/viewer                -> 302 to <prefix>/viewer/
//   GET <prefix>/viewer/app-config.js  -> ViewerAppConfig (no-cache)
//   GET <prefix>/viewer/{*rest}        -> the folder's files, SPA fallback to index.html
// All Access::kPublic: static files; every data request the viewer makes is guarded.
// Errors: kNotFound when the folder or its index.html is missing, kIo.
// `pool` must outlive the router.
Status RegisterViewerRoutes(http::Router& router, const config::Config& config,
                            http::BlockingPool& pool);

}  // namespace tessera::app
